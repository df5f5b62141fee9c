# t/lib/pg.sh: a throwaway PostgreSQL for a test, and questions to it
# (sourced by t/lib.sh)

# pg_start: a throwaway PostgreSQL cluster (scripts/pg-local) for this test,
# its PG* variables exported, stopped and removed on exit
pg_start() {
	chmod 711 "$T"
	local env
	env=$(MP_PG_FAST=1 pg-local start "$T/pg") || {
		echo "Bail out! cannot start PostgreSQL"
		exit 1
	}
	eval "$env"
	at_exit 'pg-local stop "$T/pg" >/dev/null 2>&1'
}

# q SQL...: psql, quiet, unaligned, stopping at the first error
q() {
	PGOPTIONS='-c client_min_messages=warning' psql -qAtX \
	    -v ON_ERROR_STOP=1 "$@"
}
# money_views NAME DATA FX: the views' cost, revenue and conversions by
# campaign and day, and by source, are those t/money-truth computes from
# the generator's ground truth in DATA (spend.csv, revenue.ndjson,
# truth.ndjson) and the rates in FX, to the micro-unit: two tests
money_views() {
	local tab f="--spend=$2/spend.csv --revenue=$2/revenue.ndjson --fx=$3"
	tab=$(printf '\t')
	f="$f --truth=$2/truth.ndjson --nonzero"
	"$top/t/money-truth" $f --by=campaign_id,day |
	    jq -r '[.campaign_id, .day, .cost, .revenue, .conversions] | @tsv' \
	    >"$T/mv.want"
	q -F "$tab" -c "SELECT campaign_id, day, cost, revenue, conversions
	    FROM mp_roi_day WHERE cost <> 0 OR revenue <> 0 OR conversions > 0" |
	    LC_ALL=C sort >"$T/mv.got"
	cmp -s "$T/mv.want" "$T/mv.got"
	ok $? "$1: cost and revenue of every campaign and day as computed independently ($(wc -l <"$T/mv.want") campaign-days)"
	cmp -s "$T/mv.want" "$T/mv.got" ||
	    diag "$(diff "$T/mv.want" "$T/mv.got" | head -n 6)"
	"$top/t/money-truth" $f --by=source |
	    jq -r '[.source, .cost, .revenue, .conversions] | @tsv' \
	    >"$T/mv.want"
	q -F "$tab" -c "SELECT source, cost, revenue, conversions
	    FROM mp_roi_source" | LC_ALL=C sort >"$T/mv.got"
	cmp -s "$T/mv.want" "$T/mv.got"
	ok $? "$1: by source too"
	cmp -s "$T/mv.want" "$T/mv.got" ||
	    diag "$(diff "$T/mv.want" "$T/mv.got" | head -n 6)"
}
# ids TABLE [DB]: the table's event ids, sorted
ids() { q ${2:+-d "$2"} -c "SELECT event_id FROM $1" | sort; }
# jids FILE: the event ids of the JSON lines of FILE, distinct, sorted
jids() { jq -r .event_id "$1" | sort -u; }
