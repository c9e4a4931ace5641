module govcrrepeats

go 1.19

require gopkg.in/dnaeon/go-vcr.v4 v4.0.2

require gopkg.in/yaml.v3 v3.0.1 // indirect

// The test (tests/test_replay_oracle_repeats.py) copies this folder next to a copy of
// ../shared/oracles/govcr/third_party and builds offline; go-vcr is the vendored tree.
replace gopkg.in/dnaeon/go-vcr.v4 => ./third_party/go-vcr-v4

replace gopkg.in/yaml.v3 => ./third_party/yaml.v3
