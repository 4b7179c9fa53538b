package palisade.no_latest_tag_test

import data.palisade.no_latest_tag

test_latest_is_a_violation if {
	count(no_latest_tag.violation) == 1 with input as {"pod": {"spec": {"containers": [{"name": "a", "image": "nginx:latest"}]}}}
}

test_untagged_is_a_violation if {
	count(no_latest_tag.violation) == 1 with input as {"pod": {"spec": {"containers": [{"name": "a", "image": "registry:5000/nginx"}]}}}
}

test_pinned_passes if {
	count(no_latest_tag.violation) == 0 with input as {"pod": {"spec": {"containers": [{"name": "a", "image": "nginx:1.27"}, {"name": "b", "image": "nginx@sha256:abc"}]}}}
}
