package palisade.no_latest_tag_wrong_test

import data.palisade.no_latest_tag

test_pinned_is_wrongly_expected_to_fail if {
	count(no_latest_tag.violation) == 1 with input as {"pod": {"spec": {"containers": [{"name": "a", "image": "nginx:1.27"}]}}}
}
