package main

import (
	"testing"
)

// Inputs real sqld 0.24.32 does not produce today (the tests on the binary cover what it does produce): what the
// filter must do if a later release or a bug sends them.
func TestFilterExposition(t *testing.T) {
	cases := []struct {
		name, in, group, want string
	}{
		{
			name:  "adds the group to bare and labelled samples, keeps HELP and TYPE",
			in:    "# HELP libsql_server_x help text\n# TYPE libsql_server_x counter\nlibsql_server_x 1\nlibsql_server_x{namespace=\"acme\"} 2\n",
			group: "primary",
			want:  "# HELP libsql_server_x help text\n# TYPE libsql_server_x counter\nlibsql_server_x{process_group=\"primary\"} 1\nlibsql_server_x{process_group=\"primary\",namespace=\"acme\"} 2\n",
		},
		{
			name:  "drops families outside the allowed prefixes, with their HELP and TYPE",
			in:    "# HELP process_open_fds fds\n# TYPE process_open_fds gauge\nprocess_open_fds 9\n# TYPE go_goroutines gauge\ngo_goroutines 3\nlibsql_server_y 1\n",
			group: "replica",
			want:  "libsql_server_y{process_group=\"replica\"} 1\n",
		},
		{
			name:  "drops a series labelled with SQL text, keeps the others of its family",
			in:    "# TYPE libsql_server_query_count counter\nlibsql_server_query_count{namespace=\"a\",query=\"select * from t where secret='x'\"} 1\nlibsql_server_query_count{namespace=\"a\"} 4\n",
			group: "primary",
			want:  "# TYPE libsql_server_query_count counter\nlibsql_server_query_count{process_group=\"primary\",namespace=\"a\"} 4\n",
		},
		{
			name:  "keeps only the first block of a family written twice, summaries' _sum and _count included",
			in:    "# TYPE libsql_server_count counter\nlibsql_server_count 1\n# HELP libsql_server_count again\n# TYPE libsql_server_count gauge\nlibsql_server_count 1\n# TYPE libsql_server_lat summary\nlibsql_server_lat{quantile=\"0.5\"} 1\nlibsql_server_lat_sum 2\n# TYPE libsql_server_lat summary\nlibsql_server_lat_sum 3\nlibsql_server_lat_count 4\n",
			group: "",
			want:  "# TYPE libsql_server_count counter\nlibsql_server_count 1\n# TYPE libsql_server_lat summary\nlibsql_server_lat{quantile=\"0.5\"} 1\nlibsql_server_lat_sum 2\n",
		},
		{
			name:  "keeps a label value holding braces, commas and escaped quotes intact",
			in:    "libsql_server_z{namespace=\"a}b,c=\\\"d\\\"\"} 5 1700000000000\n",
			group: "primary",
			want:  "libsql_server_z{process_group=\"primary\",namespace=\"a}b,c=\\\"d\\\"\"} 5 1700000000000\n",
		},
		{
			name:  "drops malformed lines and plain comments; leaves an existing process_group alone",
			in:    "# just a comment\nlibsql_server_a{namespace=\"x\" 1\nlibsql_server_b{=\"x\"} 1\nlibsql_server_c{namespace=x} 1\nlibsql_server_d\n1bad_name 2\nlibsql_server_e{process_group=\"other\"} 7\n",
			group: "primary",
			want:  "libsql_server_e{process_group=\"other\"} 7\n",
		},
		{
			name:  "an empty label block gets the group; CRLF line ends are accepted",
			in:    "libsql_server_f{} 1\r\n",
			group: "replica",
			want:  "libsql_server_f{process_group=\"replica\"} 1\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(filterExposition([]byte(c.in), c.group))
			if got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestUpstreamURL(t *testing.T) {
	ok := map[string]string{
		"[::]:9090":      "http://[::1]:9090/metrics",
		"0.0.0.0:9090":   "http://127.0.0.1:9090/metrics",
		"127.0.0.1:4000": "http://127.0.0.1:4000/metrics",
		"[::1]:4000":     "http://[::1]:4000/metrics",
	}
	for in, want := range ok {
		if got, err := upstreamURL(in); err != nil || got != want {
			t.Errorf("upstreamURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "9090", "10.0.0.1:9090", "[fdaa::3]:9090", "sqld.internal:9090", "127.0.0.1:0", "127.0.0.1:99999"} {
		if got, err := upstreamURL(in); err == nil {
			t.Errorf("upstreamURL(%q) = %q, want an error", in, got)
		}
	}
}

func TestCheckListen(t *testing.T) {
	for _, in := range []string{"0.0.0.0:9091", "127.0.0.1:0"} {
		if err := checkListen(in); err != nil {
			t.Errorf("checkListen(%q): %v", in, err)
		}
	}
	for _, in := range []string{"[::]:9091", "[::ffff:0.0.0.0]:9091", ":9091", "localhost:9091", "9091"} {
		if err := checkListen(in); err == nil {
			t.Errorf("checkListen(%q) accepted", in)
		}
	}
}
