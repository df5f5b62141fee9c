#!/bin/bash
# pipeline.sh: mp's day pipeline, as cron or a systemd timer runs it.
#
#   pipeline.sh day YYYY-MM-DD     fetch the day from the tracker and the
#                                  networks, archive, check, load: the
#                                  day's rows are replaced whole; then
#                                  its spend and revenue are reconciled
#                                  with the networks' and partners'
#                                  totals (exit 1 on drift)
#   pipeline.sh replay YYYY-MM-DD  the same from the archive, no network
#   pipeline.sh hour               what is new since the last run (less a
#                                  lookback), loaded as it comes
#
# It runs in the current folder (archive/, spend/, state/, stats/,
# rejects/ are made there) with its option files beside it in pipeline/;
# PostgreSQL is the one PGHOST and the other PG* variables name.  Every
# stage writes its stats to stats/DAY.STAGE.json, on failure too.  A run
# killed at any moment and run again leaves the same rows as one clean
# run: the tracker is asked again, mp-dedup gives the same records, and
# mp-load replaces the day in one transaction, only when
# every stage before it finished (mp(7), The chain): a failed run leaves
# the table as it was.
#
# Every cent is accounted for (mp-record(5)): a day run gives each kept
# click its share of its campaign-day's spend and writes the spend no kept
# click carries as a cost record of its own, so the day's cost in the table
# is the networks' spend to the micro-unit.  The hourly runs see part of a
# day: their cost is provisional, and the night's day run makes it exact.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
conf=${MP_CONF:-$here/pipeline}
schemas=${MP_SCHEMAS:-$here/schemas}
cidrs=${MP_CIDRS:-$here/datacenters.cidr}
fx=${MP_FX:-$here/fx.csv}
table=${MP_TABLE:-events}

usage() {
	echo "usage: pipeline.sh day YYYY-MM-DD | replay YYYY-MM-DD | hour" >&2
	exit 64
}

# stages RUN DAY LOAD-OPTION...: stdin's raw events checked, costed by
# DAY's spend, loaded; RUN names the run's stats, rejects and dedup run id.
# A day replaced whole is deduplicated within itself: a state shared with
# the hourly runs would drop what they passed, and the day would shrink
# (mp(7), The chain); the table's key keeps an event loaded on another day
# once.  The hourly runs share a state, so a lookback's overlap is dropped.
stages() {
	local d=$1 day=$2
	shift 2
	mp-validate --schema-dir="$schemas" --schema-by=.type \
	    --rejects="rejects/$d.invalid.ndjson" --stats="stats/$d.validate.json" |
	mp-botfilter --cidr-list="$cidrs" --dropped="rejects/$d.bots.ndjson" \
	    --rejects="rejects/$d.botfilter.ndjson" \
	    --stats="stats/$d.botfilter.json" |
	mp-dedup $dedup_state --window=48h \
	    --dropped="rejects/$d.dups.ndjson" \
	    --rejects="rejects/$d.dedup.ndjson" --stats="stats/$d.dedup.json" |
	mp-enrich -K "$conf/enrich.conf" $unallocated \
	    -t neta="spend/$day.neta.ndjson" -t netb="spend/$day.netb.ndjson" \
	    --currency-table="$fx" --rejects="rejects/$d.enrich.ndjson" \
	    --stats="stats/$d.enrich.json" |
	mp-load --table="$table" --rejects="rejects/$d.load.ndjson" \
	    --stats="stats/$d.load.json" "$@"
}

# spend DAY: the networks' spend of the day, each file whole or not at all
spend() {
	local d=$1 next=$2 n
	for n in neta netb; do
		mp-fetch -K "$conf/$n.conf" --from="$d" --to="$next" \
		    --rejects="rejects/$d.$n.ndjson" --stats="stats/$d.$n.json" \
		    >"spend/.$d.$n.ndjson"
		mv "spend/.$d.$n.ndjson" "spend/$d.$n.ndjson"
	done
}

# partners DAY NEXT: the partners' revenue totals of the day
partners() {
	mp-fetch -K "$conf/partners.conf" --from="$1" --to="$2" \
	    --rejects="rejects/$1.partners.ndjson" \
	    --stats="stats/$1.partners.json" >"spend/.$1.partners.ndjson"
	mv "spend/.$1.partners.ndjson" "spend/$1.partners.ndjson"
}

# reconcile DAY: the day in the table against what the others say it
# was: each network's spend by campaign (its own report, as fetched), and
# the revenue of each network's campaigns (the partners' totals), from
# the views of sql/ (psql -f sql/views.sql once).  A key one side lacks is
# 0 there (a network lists campaigns it spent nothing on).  Every
# difference is written to reconcile/DAY.*.ndjson; drift exits 1.
reconcile() {
	local d=$1 n st=0 drift=0 what
	mkdir -p reconcile
	for n in neta netb partners; do
		if [ "$n" = partners ]; then
			what=revenue
			set -- --key=network,date --amount=revenue \
			    --ours="pg:SELECT network, day::text AS date, revenue
			        FROM mp_revenue_network WHERE day = '$d'"
		else
			what=spend
			set -- --key=date,campaign_id --amount=spend \
			    --ours="pg:SELECT day::text AS date, campaign_id,
			        cost AS spend FROM mp_spend
			        WHERE network = '$n' AND day = '$d'"
		fi
		mp-reconcile "$@" --theirs="spend/$d.$n.ndjson" --missing-as-zero \
		    --stats="stats/$d.reconcile-$n.json" \
		    >"reconcile/$d.$n.ndjson" || st=$?
		case $st in
		0) ;;
		1) drift=1 st=0 ;;
		*) return "$st" ;;
		esac
	done
	return "$drift"
}

mkdir -p archive spend state stats rejects
# the run's own trace: stats/RUN.run.json with every stage's exit status,
# written however the run ends, so a watcher never reads an old success
run_trace() {
	local st=$? f="stats/${run:-}.run.json"
	[ -z "${raw:-}" ] || rm -f "$raw"
	[ -z "${run:-}" ] ||
	    printf '{"prog":"pipeline.sh","mode":"%s","run":"%s","exit":%d,"end":"%s"}\n' \
	    "$1" "$run" "$st" "$(date -u +%FT%TZ)" >"$f.tmp" && mv "$f.tmp" "$f"
	exit "$st"
}
trap 'run_trace "${mode:-}"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mode=${1:-}
dedup_state=
unallocated=--unallocated=cost
case ${1:-} in
day)
	d=${2:-}
	[ -n "$d" ] || usage
	run=$d
	next=$(date -u -d "$d + 1 day" +%F)
	spend "$d" "$next"
	partners "$d" "$next"
	mp-fetch -K "$conf/tracker.conf" --from="$d" --to="$next" \
	    --rejects="rejects/$d.fetch.ndjson" --stats="stats/$d.fetch.json" |
	mp-archive -d archive --by=.ts --stats="stats/$d.archive.json" |
	stages "$d" "$d" --replace=day
	reconcile "$d"
	;;
replay)
	d=${2:-}
	[ -n "$d" ] || usage
	run=$d.replay
	next=$(date -u -d "$d + 1 day" +%F)
	[ -e "spend/$d.neta.ndjson" ] || spend "$d" "$next"
	[ -e "spend/$d.partners.ndjson" ] || partners "$d" "$next"
	# The day's files, in the order they were written, into a file
	# first: zstdcat is not an mp tool, and mp-load replaces a day only
	# from a pipe whose end it can trust (a file's is).
	raw=state/.replay.$$.ndjson
	find "archive/${d//-//}" -name '*.ndjson.zst' 2>/dev/null | sort |
	    xargs -r zstdcat -- >"$raw"
	stages "$d" "$d" --replace=day <"$raw"
	reconcile "$d"
	;;
hour)
	d=$(date -u +%F)
	run=$d-$(date -u +%H)
	dedup_state="--state=state/dedup.state --run-id=$run"
	unallocated=
	spend "$d" "$(date -u -d "$d + 1 day" +%F)"
	mp-fetch -K "$conf/tracker.conf" --state=tracker --state-dir=state \
	    --from="$d" --lookback=2h --rejects="rejects/$d.fetch.ndjson" \
	    --stats="stats/$d.fetch.json" |
	mp-archive -d archive --by=.ts --stats="stats/$d.archive.json" |
	stages "$run" "$d" --on-conflict=update --atomic
	;;
*)
	usage
	;;
esac
