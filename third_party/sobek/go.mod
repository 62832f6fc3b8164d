module github.com/grafana/sobek

go 1.20

require (
	github.com/dlclark/regexp2 v1.12.0
	github.com/go-sourcemap/sourcemap v2.1.4+incompatible
	github.com/google/pprof v0.0.0-20230207041349-798e818bf904
	golang.org/x/text v0.3.8
	gopkg.in/yaml.v3 v3.0.1
)
