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
grep -q "campaign_id *| *source *| *clicks *| *conv *| *cost *| *revenue *| *profit *| *roi %" "$T/out"
ok $? "the ROI table by campaign"
grep -qE "^\([0-9]+ campaigns win, [1-9][0-9]* lose, .*roi % = 100 \* \(revenue - cost\) / cost\)" "$T/out"
ok $? "winners and losers, and what roi % is"
grep -qE "^ *[a-z_]+ *\| *[0-9]+ *\| *[0-9]+ *\| *[0-9]+\.[0-9]{2} *\|" "$T/out"
ok $? "money to 2 decimals"
grep -qE "^ *source *\| *clicks *\| *conv *\| *cost *\| *kept clicks *\| *filtered *\| *per click" "$T/out"
ok $? "the cost of the kept clicks, of filtered traffic, per click"
grep -qE "^reconciled +spend: 2 networks \([0-9]+ campaign-days\), 0 drift; revenue: [12] networks, 0 drift$" "$T/out"
ok $? "the day reconciled with the networks and the partners: 0 drift"
grep -A1 "^== the day reconciled" "$T/out" | tail -n 1 |
    grep -qE "^spend: 2 networks \([0-9]+ campaign-days\), 0 drift; revenue: [12] networks, 0 drift$"
ok $? "it ends with the reconciliation"
grep -qE "^ *source *\| *clicks" "$T/out"
ok $? "the ROI table by source"
grep -q "^identical: " "$T/out"
ok $? "the day run again: identical"
grep -q "^the same table:" "$T/out"
ok $? "the replay: the same table"
grep -q "^Next: man -l man/mp.7" "$T/out"
ok $? "it ends by saying where to look next"
done_testing
