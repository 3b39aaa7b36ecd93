package main

import (
	"bytes"
	"regexp"
	"strings"
)

// Metric families passed through. sqld 0.24.32's one recorder (libsql-server/src/http/admin/mod.rs `run`) holds
// its own libsql_server_* series, the tokio runtime's and bottomless's backup series (bottomless/src/replicator.rs,
// labelled db_name); anything else a future release adds stays out until someone reads what it carries.
var allowedPrefixes = []string{"libsql_server_", "tokio_runtime_", "bottomless_"}

// Series carrying these labels are dropped whole: some libsql-server versions label query counters with the
// SQL text (`"query" => sql`, libsql-server/src/stats.rs update_query_metrics), which holds tenants' literals.
var droppedLabels = map[string]bool{"query": true}

// The label the relay adds: which Fly process group (primary or replica) the machine runs. Fly's scraper adds
// app, region, host and instance itself (and overwrites series carrying those names), not the group.
const groupLabel = "process_group"

var (
	metricNameRe = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRe  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	groupValueRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
)

func allowed(name string) bool {
	if !metricNameRe.MatchString(name) {
		return false
	}
	for _, p := range allowedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// sameFamily: a sample belongs to the TYPE block before it when it is the family itself or one of the series a
// summary or histogram adds.
func sameFamily(sample, family string) bool {
	if sample == family {
		return true
	}
	for _, suffix := range []string{"_sum", "_count", "_bucket"} {
		if sample == family+suffix {
			return true
		}
	}
	return false
}

// filterExposition keeps the allowed families of a Prometheus text exposition, once each, and adds the process
// group label to every sample. sqld 0.24.32 writes some families twice with different types
// (`libsql_server_count` as a counter and again as a gauge); a strict Prometheus parser rejects a second TYPE
// line for a name and with it the whole scrape, so only the first block of a family is kept.
func filterExposition(in []byte, group string) []byte {
	var out bytes.Buffer
	typed := map[string]bool{}
	block, skipBlock := "", false
	for _, raw := range bytes.Split(in, []byte("\n")) {
		line := strings.TrimRight(string(raw), "\r")
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			fields := strings.Fields(line)
			if len(fields) < 3 || fields[0] != "#" {
				continue // a plain comment: nothing a scraper needs
			}
			name := fields[2]
			switch fields[1] {
			case "TYPE":
				block = name
				skipBlock = typed[name] || !allowed(name)
				typed[name] = true
				if !skipBlock {
					out.WriteString(line + "\n")
				}
			case "HELP":
				if allowed(name) && !typed[name] {
					out.WriteString(line + "\n")
				}
			}
			continue
		}
		name, labels, rest, ok := splitSample(line)
		if !ok || !allowed(name) || (skipBlock && sameFamily(name, block)) {
			continue
		}
		relabelled, ok := withGroup(labels, group)
		if !ok {
			continue
		}
		out.WriteString(name + relabelled + rest + "\n")
	}
	return out.Bytes()
}

// splitSample cuts `name{labels} value [timestamp]` into the name, the label block (with braces, or "") and
// the rest (starting with the space before the value).
func splitSample(line string) (name, labels, rest string, ok bool) {
	end := strings.IndexAny(line, "{ ")
	if end <= 0 {
		return "", "", "", false
	}
	name = line[:end]
	if line[end] == ' ' {
		return name, "", line[end:], true
	}
	closing := labelBlockEnd(line, end)
	if closing < 0 || closing+1 >= len(line) || line[closing+1] != ' ' {
		return "", "", "", false
	}
	return name, line[end : closing+1], line[closing+1:], true
}

// labelBlockEnd returns the index of the `}` closing the label block opened at `open`, skipping quoted values
// (which may hold `}` and escaped quotes), or -1.
func labelBlockEnd(line string, open int) int {
	inValue := false
	for i := open + 1; i < len(line); i++ {
		switch c := line[i]; {
		case inValue && c == '\\':
			i++
		case c == '"':
			inValue = !inValue
		case !inValue && c == '}':
			return i
		}
	}
	return -1
}

// labelNames lists the names in a label block `{a="x",b="y"}`; ok is false for anything malformed.
func labelNames(block string) (names []string, ok bool) {
	body := strings.TrimSuffix(strings.TrimPrefix(block, "{"), "}")
	for len(strings.TrimSpace(body)) > 0 {
		eq := strings.IndexByte(body, '=')
		if eq < 0 {
			return nil, false
		}
		name := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(body[:eq]), ","))
		if !labelNameRe.MatchString(name) || eq+1 >= len(body) || body[eq+1] != '"' {
			return nil, false
		}
		names = append(names, name)
		i := eq + 2
		for ; i < len(body) && body[i] != '"'; i++ {
			if body[i] == '\\' {
				i++
			}
		}
		if i >= len(body) {
			return nil, false
		}
		body = body[i+1:]
	}
	return names, true
}

// withGroup returns the label block with the process group label added (unless the series has one), or ok false
// for a series to drop (malformed, or carrying a dropped label).
func withGroup(labels, group string) (string, bool) {
	names, ok := labelNames(labels)
	if !ok {
		return "", false
	}
	hasGroup := false
	for _, n := range names {
		if droppedLabels[n] {
			return "", false
		}
		hasGroup = hasGroup || n == groupLabel
	}
	if group == "" || hasGroup {
		return labels, true
	}
	pair := groupLabel + `="` + group + `"`
	if len(names) == 0 {
		return "{" + pair + "}", true
	}
	return "{" + pair + "," + labels[1:], true
}
