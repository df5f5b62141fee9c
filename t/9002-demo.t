#!/bin/bash
# make demo's script, smaller: it runs to the end, shows each stage and the
# ROI tables, and finds the re-run and the replay identical.
. "$(dirname "$0")/lib.sh"
MP_DEMO_EVENTS=5000 run scripts/demo
is "$rc" 0 "scripts/demo: exit 0"
[ "$rc" -eq 0 ] || diag "$(tail -c 600 "$T/err")"
for s in fetched archived rejected bots duplicates enriched loaded; do
	grep -qE "^$s +[0-9]+" "$T/out"
	ok $? "the stage table shows $s"
done
grep -q "campaign_id *| *source *| *clicks *| *visitors *| *conversions *| *cost *| *revenue *| *profit *| *roi_pct *| *rev_per_click" "$T/out"
ok $? "the ROI table by campaign"
grep -qE "^ *source *\| *clicks" "$T/out"
ok $? "the ROI table by source"
grep -q "^identical: " "$T/out"
ok $? "the day run again: identical"
grep -q "^the same table:" "$T/out"
ok $? "the replay: the same table"
grep -q "^Next: man -l man/mp.7" "$T/out"
ok $? "it ends by saying where to look next"
done_testing
