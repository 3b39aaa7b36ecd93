module github.com/libsql-stack/sqld-metrics-relay

go 1.26
