#!/usr/bin/perl
# t/0002-json.t: black-box conformance of mp's strict JSON scanner, through
# mp-validate.  The cases live in t/0002-json/cases (format in its header);
# this file decodes them into one input file, one case per line, adds the
# nesting-depth cases it generates, runs mp-validate once and checks every
# case: y lines on stdout byte for byte, n lines in the rejects file with the
# reason substring.  Then: every line accounted for exactly once, the
# rejects carry the original bytes, the stats add up, absurd nesting is
# refused quickly, and the record framing of mp(7) (CRLF, BOM, blank lines).
#
# Perl rather than bash (t/lib.sh) because the cases are bytes; this sets up
# the same environment lib.sh does.  Only core modules.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use Time::HiRes qw(time);
use Test::More;

$ENV{LC_ALL} = 'C';
$ENV{TZ}     = 'UTC';
my $top = dirname(dirname(abs_path($0)));
$ENV{PATH} = "$top/cmd:$top/scripts:$ENV{PATH}";
my $prog  = "$top/cmd/mp-validate";
my $table = "$top/t/0002-json/cases";

plan skip_all => "cmd/mp-validate is not built yet (run make)" unless -x $prog;
binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);

my $T = tempdir('mp-test.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $MAX_DEPTH = 128;    # deepest nesting mp accepts
my $DEEP      = 100000; # absurd nesting: must be refused quickly
my $DEEP_SECS = 5;      # "quickly"

# --- the table -------------------------------------------------------------

sub decode_text {
	my ($text, $where) = @_;
	my $out = '';
	while (length $text) {
		if ($text =~ s/\A\\x([0-9A-Fa-f]{2})//) { $out .= chr hex $1 }
		elsif ($text =~ s/\A\\\\//)             { $out .= '\\' }
		elsif ($text =~ s/\A\\t//)              { $out .= "\t" }
		elsif ($text =~ /\A\\/)                 { BAIL_OUT("$where: bad escape in text") }
		else { $text =~ s/\A([^\\]+)//; $out .= $1 }
	}
	return $out;
}

# Each case: { name, text (bytes), want ('y' or 'n'), reason (substring or
# undef), where (table line or "generated") }.
my (@cases, %seen_name, %seen_text);
sub add_case {
	my %c = @_;
	BAIL_OUT("$c{where}: duplicate name $c{name}") if $seen_name{$c{name}}++;
	BAIL_OUT("$c{where}: text of $c{name} repeats an earlier case") if $seen_text{$c{text}}++;
	BAIL_OUT("$c{where}: text of $c{name} holds a newline") if $c{text} =~ /\n/;
	BAIL_OUT("$c{where}: text of $c{name} ends in CR") if $c{text} =~ /\r\z/;
	push @cases, \%c;
}

open my $tf, '<:raw', $table or BAIL_OUT("$table: $!");
while (my $line = <$tf>) {
	chomp $line;
	next if $line eq '' || $line =~ /\A#/;
	my $where = "cases:$.";
	my ($verdict, $name, $text, @rest) = split /\t/, $line, -1;
	BAIL_OUT("$where: want VERDICT, NAME, TEXT") unless defined $text;
	my ($want, $reason);
	if ($verdict eq 'y' && !@rest) {
		$want = 'y';
	} elsif ($verdict eq 'n' && @rest == 1) {
		($want, $reason) = ('n', $rest[0]);
	} elsif ($verdict eq 'i' && @rest == 1 && $rest[0] =~ /\A[yn]\z/) {
		$want = $rest[0];
	} elsif ($verdict eq 'i' && @rest == 2 && $rest[0] eq 'n') {
		($want, $reason) = @rest;
	} else {
		BAIL_OUT("$where: bad verdict or column count");
	}
	add_case(name => $name, text => decode_text($text, $where), want => $want,
		reason => $reason, where => $where);
}
close $tf;
my $ntable = @cases;

# Nesting (RFC 8259 section 9 lets a parser limit it; mp allows 128 levels,
# the top-level object being level 1).  LEVELS is a string of kinds, one per
# level, outermost first: o = object, a = array.  Each object holds its inner
# level under key "a"; the innermost level is empty, or with CLOSE false,
# every level is opened and the line ends there.
sub nest {
	my ($levels, $close) = @_;
	my @k = split //, $levels;
	my $open = join('', map { $_ eq 'o' ? '{"a":' : '[' } @k);
	return $open unless $close;	# every level opened, none closed
	my $inner = pop @k;
	my $s = join('', map { $_ eq 'o' ? '{"a":' : '[' } @k);
	$s .= $inner eq 'o' ? '{}' : '[]';
	$s .= join('', map { $_ eq 'o' ? '}' : ']' } reverse @k);
	return $s;
}
for my $n ($MAX_DEPTH - 1, $MAX_DEPTH, $MAX_DEPTH + 1, $MAX_DEPTH + 72) {
	my $ok = $n <= $MAX_DEPTH ? 'y' : 'n';
	my %why = $ok eq 'n' ? (reason => 'nesting') : ();
	add_case(name => "i_structure_nesting_${n}_arrays", where => 'generated',
		text => nest('o' . 'a' x ($n - 1), 1), want => $ok, %why);
	add_case(name => "i_structure_nesting_${n}_objects", where => 'generated',
		text => nest('o' x $n, 1), want => $ok, %why);
	add_case(name => "i_structure_nesting_${n}_mixed", where => 'generated',
		text => nest(substr('oa' x $n, 0, $n), 1), want => $ok, %why);
}
# one level too deep, deep inside an otherwise fine record, with members after
add_case(name => 'i_structure_nesting_129_then_members', where => 'generated',
	text => '{"x":1,"a":' . nest('a' x $MAX_DEPTH, 1) . ',"b":2}',
	want => 'n', reason => 'nesting');
add_case(name => 'i_structure_nesting_128_then_members', where => 'generated',
	text => '{"x":1,"a":' . nest('a' x ($MAX_DEPTH - 1), 1) . ',"b":2}',
	want => 'y');
# too deep and never closed: the depth limit comes before the end of the line
add_case(name => 'i_structure_nesting_129_unclosed', where => 'generated',
	text => nest('o' . 'a' x $MAX_DEPTH, 0), want => 'n', reason => 'nesting');

# String bodies are scanned 16 bytes at a time: each kind of byte that
# stops the scan, at each offset 0..31 of a string (so on both sides of a
# block edge, and with multibyte sequences split across it), in a key and in
# a value, with the record ending right after the string (fewer than 16
# bytes left) or going on.  A refusal names the byte at fault, counted from 1.
my @stops = (
	# name, bytes, refusal (undef: accepted), offset of the bad byte
	['quote_early', '"',
	    "unexpected character '\"', expected ',' or '}'", 1],
	['escape', '\\n'],
	['escape_u', '\\u00e9'],
	['escape_pair', '\\ud83d\\ude00'],
	['escape_bad', '\\x', "bad escape '\\x'", 0],
	['escape_lone', '\\udc00', 'lone surrogate escape \\uDC00', 0],
	['ctrl_nul', "\x00", 'control character NUL in string', 0],
	['ctrl_01', "\x01", 'control character 0x01 in string', 0],
	['ctrl_1f', "\x1f", 'control character 0x1f in string', 0],
	['del', "\x7f"],
	['utf8_2', "\xc3\xa9"],
	['utf8_3', "\xe2\x82\xac"],
	['utf8_4', "\xf0\x9f\x98\x80"],
	['utf8_mixed', "\xc3\xa9a\xe2\x82\xac\\t\xf0\x9f\x98\x80\x01",
	    'control character 0x01 in string', 12],
	['stray', "\x80", 'invalid UTF-8: stray continuation byte', 0],
	['lead_ff', "\xff", 'invalid UTF-8: bad lead byte', 0],
	['overlong', "\xc0\x80", 'overlong UTF-8 sequence', 0],
	['overlong_3', "\xe0\x80\xaf", 'overlong UTF-8 sequence', 0],
	['surrogate', "\xed\xa0\x80", 'UTF-8 encoded surrogate', 0],
	['above_max', "\xf4\x90\x80\x80", 'UTF-8 code point above U+10FFFF', 0],
	['truncated', "\xe2\x82", 'invalid UTF-8: truncated sequence', 0],
);
for my $pos (0 .. 31) {
	my $lead = join '', map { chr(ord('a') + $_ % 26) } 0 .. $pos - 1;
	for my $s (@stops) {
		my ($what, $bytes, $why, $at) = @$s;
		for my $form (['value_last', '{"s":"', '"}'],
		    ['value', '{"s":"', '","then":"more than a block to go"}'],
		    ['key', '{"', '":"the key is the string"}']) {
			my ($where, $open, $close) = @$form;
			my $pad = $what eq 'quote_early' ? '' : 'z' x ($pos % 3);
			my $text = "$open$lead$bytes$pad$close";
			my %want = (want => 'y');
			%want = (want => 'n', reason => "$why at byte "
			    . (length($open) + $pos + $at + 1)) if defined $why;
			$want{reason} =~ s/',' or '}'/':'/
			    if $what eq 'quote_early' && $where eq 'key';
			add_case(name => "string_stop_${what}_at_${pos}_$where",
			    where => 'generated', text => $text, %want);
		}
	}
	# the string ends at this length, or the record does inside it
	add_case(name => "string_length_${pos}_last", where => 'generated',
	    text => qq({"s":"$lead"}), want => 'y');
	add_case(name => "string_length_${pos}_then_key", where => 'generated',
	    text => qq({"$lead":1,"z$lead":[]}), want => 'y');
	add_case(name => "string_unterminated_${pos}", where => 'generated',
	    text => qq({"s":"$lead), want => 'n', reason =>
	    'unexpected end of input in string at byte ' . (6 + $pos + 1));
	add_case(name => "string_unterminated_escape_${pos}",
	    where => 'generated', text => qq({"s":"$lead\\), want => 'n',
	    reason => 'unexpected end of input in escape at byte '
	    . (6 + $pos + 1));
}
# duplicate keys: found by hash while an object is small, by sorting when
# it is larger; the one named is the first key that repeats an earlier one
for my $n (2, 16, 17, 32, 33, 34, 100) {
	my @k = map { sprintf '"key_%03d"', $_ } 0 .. $n - 1;
	my $obj = sub { '{' . join(',', map { "$_:0" } @_) . '}' };
	add_case(name => "keys_${n}_distinct", where => 'generated',
	    text => $obj->(@k), want => 'y');
	my %at = map { $_ => 1 } 1, int($n / 2), $n - 1;
	for my $at (sort { $a <=> $b } keys %at) {
		my @d = @k;
		$d[$at] = $k[$at - 1];
		my $off = length($obj->(@d[0 .. $at - 1])) + 1;
		add_case(name => "keys_${n}_dup_at_$at", where => 'generated',
		    text => $obj->(@d), want => 'n', reason =>
		    sprintf("duplicate key 'key_%03d' at byte %d", $at - 1, $off));
		(my $esc = $d[$at]) =~ s/k/\\u006b/;
		$d[$at] = $esc;
		push @d, $k[0] if $at < $n - 1;	# a later repeat is not named
		add_case(name => "keys_${n}_dup_escaped_at_$at",
		    where => 'generated', text => $obj->(@d), want => 'n',
		    reason => sprintf("duplicate key 'key_%03d' at byte %d",
		    $at - 1, $off));
	}
}
# keys alike in length and in their first and last 8 bytes
for my $n (30, 40) {
	my @k = map { sprintf '"prefix__%04d__suffix"', $_ } 0 .. $n - 1;
	add_case(name => "keys_alike_${n}_distinct", where => 'generated',
	    text => '{' . join(',', map { "$_:0" } @k) . '}', want => 'y');
	my $text = '{' . join(',', map { "$_:0" } @k, $k[5]) . '}';
	add_case(name => "keys_alike_${n}_dup", where => 'generated',
	    text => $text, want => 'n', reason => "duplicate key "
	    . "'prefix__0005__suffix' at byte " . (rindex($text, $k[5]) + 1));
}

# --- helpers -----------------------------------------------------------------

# diag() glues its arguments together; this puts each on its own line
sub say_diag { diag(join "\n", grep { defined } @_) }

sub slurp {
	my ($f) = @_;
	open my $fh, '<:raw', $f or return undef;
	local $/;
	my $s = <$fh>;
	return defined $s ? $s : '';
}

sub spew {
	my ($f, $s) = @_;
	open my $fh, '>:raw', $f or BAIL_OUT("$f: $!");
	print $fh $s;
	close $fh or BAIL_OUT("$f: $!");
}

# lines of a file, without their "\n"; a last line without "\n" counts
sub lines_of {
	my ($s) = @_;
	return () unless defined $s && length $s;
	my @l = split /\n/, $s, -1;
	pop @l if $l[-1] eq '';
	return @l;
}

# Bytes shown as the table writes them, cut short.
sub show {
	my ($s, $max) = @_;
	$max //= 100;
	my $cut = length($s) > $max;
	$s = substr($s, 0, $max) if $cut;
	$s =~ s/([\\])/\\\\/g;
	$s =~ s/\t/\\t/g;
	$s =~ s/([^\x21-\x7e])/sprintf('\\x%02x', ord $1)/ge;
	return $s . ($cut ? '...' : '');
}

sub valid_utf8 {
	my ($s) = @_;
	return 1 unless $s =~ /[^\x00-\x7f]/;
	return $s =~ /\A(?:[\x00-\x7f]
		| [\xc2-\xdf][\x80-\xbf]
		| \xe0[\xa0-\xbf][\x80-\xbf]
		| [\xe1-\xec\xee\xef][\x80-\xbf]{2}
		| \xed[\x80-\x9f][\x80-\xbf]
		| \xf0[\x90-\xbf][\x80-\xbf]{2}
		| [\xf1-\xf3][\x80-\xbf]{3}
		| \xf4[\x80-\x8f][\x80-\xbf]{2})*\z/x;
}

# run_mp STDOUT STDERR ARGS...: runs mp-validate (stdin /dev/null, under
# timeout), returns ($status, $seconds, $how) where $how describes a death
my $json = JSON::PP->new->utf8->allow_nonref;
sub run_mp {
	my ($out, $err, @args) = @_;
	my $t0  = time;
	my $pid = fork;
	BAIL_OUT("fork: $!") unless defined $pid;
	if (!$pid) {
		open STDIN,  '<', '/dev/null' or exit 127;
		open STDOUT, '>', $out or exit 127;
		open STDERR, '>', $err or exit 127;
		exec 'timeout', '-k', '5', '120', $prog, @args;
		exit 127;
	}
	waitpid $pid, 0;
	my $st  = $?;
	my $sec = time - $t0;
	my $how = '';
	if ($st & 127)            { $how = 'killed by signal ' . ($st & 127) }
	elsif ($st >> 8 == 124)   { $how = 'timed out' }
	elsif ($st >> 8 >= 128)   { $how = 'killed by signal ' . (($st >> 8) - 128) }
	return ($st & 127 ? 128 + ($st & 127) : $st >> 8, $sec, $how);
}

# Reads a rejects file: returns (\@rejects, \@problems); each reject is the
# decoded object plus {bytes} (the original line, from record or record_b64).
sub read_rejects {
	my ($f) = @_;
	my (@rej, @bad);
	my $n = 0;
	for my $l (lines_of(slurp($f))) {
		$n++;
		my $r = eval { $json->decode($l) };
		if (!$r || ref $r ne 'HASH') {
			push @bad, "rejects line $n is not a JSON object: " . show($l);
			next;
		}
		for my $k (qw(prog file line reason)) {
			push @bad, "rejects line $n lacks \"$k\"" unless defined $r->{$k};
		}
		if (defined $r->{record} && !ref $r->{record} && !defined $r->{record_b64}) {
			my $b = $r->{record};
			utf8::encode($b);
			$r->{bytes} = $b;
			$r->{form}  = 'record';
		} elsif (defined $r->{record_b64} && !defined $r->{record}) {
			$r->{bytes} = decode_base64($r->{record_b64});
			$r->{form}  = 'record_b64';
		} else {
			push @bad, "rejects line $n has not exactly one of record, record_b64";
		}
		push @rej, $r;
	}
	return (\@rej, \@bad);
}

# --- one run over every case ------------------------------------------------

my $in = "$T/in";
spew($in, join('', map { "$_->{text}\n" } @cases));
my ($rc, $secs, $how) = run_mp("$T/out", "$T/err", "--rejects=$T/rej", $in);
is($how, '', 'mp-validate finishes over the whole table')
	or say_diag('stderr: ' . show(slurp("$T/err") // '', 400));
is($rc, 0, 'exit status 0 when every reject is captured')
	or say_diag('stderr: ' . show(slurp("$T/err") // '', 400));

my ($rej, $rej_bad) = read_rejects("$T/rej");
ok(!@$rej_bad, 'rejects file: one JSON object per line, with prog, file, line, reason, record')
	or say_diag(@$rej_bad[0 .. ($#$rej_bad < 9 ? $#$rej_bad : 9)]);

# stdout: each line maps to the case with the same bytes, in input order
my @out = lines_of(slurp("$T/out"));
my (%case_of_text, @on_stdout, @unmatched);
$case_of_text{$cases[$_]{text}} = $_ for 0 .. $#cases;
my $last = -1;
for my $l (@out) {
	my $i = $case_of_text{$l};
	if (defined $i && $i > $last && !$on_stdout[$i]) {
		$on_stdout[$i] = 1;
		$last = $i;
	} else {
		push @unmatched, $l;
	}
}

# rejects: each maps to its case by line number
my (@rejects_of, @stray);
for my $r (@$rej) {
	my $ln = $r->{line};
	if (defined $ln && $ln =~ /\A[0-9]+\z/ && $ln >= 1 && $ln <= @cases) {
		push @{$rejects_of[$ln - 1]}, $r;
	} else {
		push @stray, $r;
	}
}

for my $i (0 .. $#cases) {
	my $c    = $cases[$i];
	my $rs   = $rejects_of[$i] || [];
	my $out  = $on_stdout[$i];
	my $name = "$c->{want} $c->{name}";
	my @why;
	if ($c->{want} eq 'y') {
		push @why, 'rejected: ' . join('; ', map { $_->{reason} // '?' } @$rs) if @$rs;
		push @why, 'not on stdout byte for byte' unless $out;
	} else {
		push @why, 'accepted (on stdout)' if $out;
		if (!@$rs) {
			push @why, 'not in the rejects' unless $out;
		} elsif (@$rs > 1) {
			push @why, 'rejected ' . scalar(@$rs) . ' times';
		} elsif (defined $c->{reason} && index($rs->[0]{reason} // '', $c->{reason}) < 0) {
			push @why, "reason '" . ($rs->[0]{reason} // '') . "' lacks '$c->{reason}'";
		}
	}
	ok(!@why, $name) or say_diag("$c->{where}, input line " . ($i + 1) . ': ' . show($c->{text}),
		@why);
}

# --- accounting -------------------------------------------------------------

my $nout = @out;
my $nrej = @$rej;
is($nout + $nrej, scalar @cases,
	"stdout lines + rejects = input lines ($nout + $nrej of " . scalar(@cases) . ')');
{
	my @twice = grep { $on_stdout[$_] && $rejects_of[$_] } 0 .. $#cases;
	my @never = grep { !$on_stdout[$_] && !$rejects_of[$_] } 0 .. $#cases;
	my @multi = grep { $rejects_of[$_] && @{$rejects_of[$_]} > 1 } 0 .. $#cases;
	my @why;
	push @why, 'on stdout and rejected: ' . join(' ', map { $cases[$_]{name} } @twice) if @twice;
	push @why, 'neither on stdout nor rejected: ' . join(' ', map { $cases[$_]{name} } @never) if @never;
	push @why, 'rejected more than once: ' . join(' ', map { $cases[$_]{name} } @multi) if @multi;
	push @why, scalar(@unmatched) . ' stdout lines match no input line (changed, reordered or'
		. ' repeated), first: ' . show($unmatched[0]) if @unmatched;
	push @why, scalar(@stray) . ' rejects with a line number outside 1..' . scalar(@cases) if @stray;
	ok(!@why, 'every input line is accounted for exactly once') or say_diag(@why);
}

# --- the rejects themselves -------------------------------------------------

{
	my @why;
	for my $i (0 .. $#cases) {
		for my $r (@{$rejects_of[$i] || []}) {
			my $c = $cases[$i];
			if (!defined $r->{bytes} || $r->{bytes} ne $c->{text}) {
				push @why, "$c->{name}: $r->{form} is not the original line: "
					. show($r->{bytes} // '');
			}
			my $want = valid_utf8($c->{text}) ? 'record' : 'record_b64';
			push @why, "$c->{name}: has $r->{form}, want $want"
				if defined $r->{form} && $r->{form} ne $want;
		}
	}
	ok(!@why, 'rejects keep the original line: record, or record_b64 when not UTF-8')
		or say_diag(@why[0 .. ($#why < 19 ? $#why : 19)], @why > 20 ? '...' : ());
}
{
	my @prog = grep { ($_->{prog} // '') ne 'mp-validate' } @$rej;
	my @file = grep { ($_->{file} // '') ne $in } @$rej;
	my @line = grep { !defined $_->{line} || $_->{line} !~ /\A[1-9][0-9]*\z/ } @$rej;
	my @why;
	push @why, scalar(@prog) . " rejects with prog other than mp-validate, e.g. '"
		. ($prog[0]{prog} // '') . "'" if @prog;
	push @why, scalar(@file) . " rejects with file other than $in, e.g. '"
		. ($file[0]{file} // '') . "'" if @file;
	push @why, scalar(@line) . ' rejects whose line is not a number' if @line;
	ok(!@why, 'rejects name the program, the input file and the line') or say_diag(@why);
}

# --- stats ------------------------------------------------------------------

my $want_out = grep { $_->{want} eq 'y' } @cases;
my $want_rej = @cases - $want_out;
{
	my ($rc2, undef, $how2) = run_mp("$T/out2", "$T/err2", "--rejects=$T/rej2",
		"--stats=$T/stats", $in);
	my $s = slurp("$T/stats");
	my @objs = lines_of($s);
	my $st = @objs == 1 ? eval { $json->decode($objs[0]) } : undef;
	ok($rc2 == 0 && $how2 eq '' && ref $st eq 'HASH', '--stats=FILE writes one JSON object')
		or say_diag("status $rc2 $how2", 'stats: ' . show($s // '(none)', 300),
			'stderr: ' . show(slurp("$T/err2") // '', 300));
	$st = {} unless ref $st eq 'HASH';
	my ($ri, $ro, $rj) = map { $st->{$_} } qw(records_in records_out rejected);
	ok(defined $ri && defined $ro && defined $rj && $ri == $ro + $rj,
		'stats: records_in == records_out + rejected')
		or say_diag('records_in ' . ($ri // 'missing') . ', records_out ' . ($ro // 'missing')
			. ', rejected ' . ($rj // 'missing'));
	is_deeply([$ri, $ro, $rj], [scalar @cases, $want_out, $want_rej],
		'stats: records_in, records_out, rejected match the table');
	ok(slurp("$T/out2") eq slurp("$T/out"), 'stdout is the same with --stats');
}

# --- without --rejects: diagnostics on stderr, status 65 ----------------------

{
	my ($rc3, undef, $how3) = run_mp("$T/out3", "$T/err3", $in);
	is("$rc3$how3", '65', 'without --rejects, rejected records give exit status 65');
	ok(slurp("$T/out3") eq slurp("$T/out"), 'without --rejects, stdout is the same');
	my @diag = grep { /\Amp-validate: .*:[0-9]+: / } lines_of(slurp("$T/err3"));
	is(scalar @diag, $nrej, 'without --rejects, one "mp-validate: FILE:LINE: reason" per reject');
}

# --- absurd nesting: refused fast, no crash, the next line still read --------

{
	my @deep = (
		['open arrays',     '{"a":' . '[' x $DEEP,                          'nesting'],
		['closed arrays',   '{"a":' . '[' x $DEEP . ']' x $DEEP . '}',      'nesting'],
		['open objects',    '{"a":' x $DEEP,                                'nesting'],
		['top-level array', '[' x $DEEP,                                    undef],
	);
	my $good = '{"after":"deep"}';
	spew("$T/deep", join('', map { "$_->[1]\n" } @deep) . "$good\n");
	my ($rc4, $sec4, $how4) = run_mp("$T/out4", "$T/err4", "--rejects=$T/rej4", "$T/deep");
	is($how4, '', "$DEEP-deep lines: mp-validate does not crash or hang")
		or say_diag('stderr: ' . show(slurp("$T/err4") // '', 300));
	ok($sec4 < $DEEP_SECS, sprintf("$DEEP-deep lines: done in under %d s (%.2f s)", $DEEP_SECS, $sec4));
	is(slurp("$T/out4") // '', "$good\n", "$DEEP-deep lines: the line after them passes");
	my ($r4) = read_rejects("$T/rej4");
	my %by = map { ($_->{line} // 0) => $_ } @$r4;
	for my $k (0 .. $#deep) {
		my ($what, undef, $why) = @{$deep[$k]};
		my $r = $by{$k + 1};
		my $reason = $r ? $r->{reason} // '' : '(not rejected)';
		ok($r && (!defined $why || index($reason, $why) >= 0),
			"$DEEP-deep $what rejected" . (defined $why ? " for $why" : ''))
			or say_diag("reason: $reason");
	}
}

# --- record framing (mp(7), convention 1): CRLF, BOM, blank lines, no final
# newline.  Where a CR or BOM is dropped from stdout is mp's choice; these
# only check that the records pass and line numbers stay physical.

{
	my $bom = "\xef\xbb\xbf";
	my @f = (
		['CRLF line endings',     "{\"a\":1}\r\n{\"b\":2}\r\n",      ["{\"a\":1}", "{\"b\":2}"]],
		['UTF-8 BOM at the start', "$bom\{\"a\":1}\n{\"b\":2}\n",   ["{\"a\":1}", "{\"b\":2}"]],
		['blank lines skipped',   "{\"a\":1}\n\n\n{\"b\":2}\n",      ["{\"a\":1}", "{\"b\":2}"]],
		['no final newline',      "{\"a\":1}\n{\"b\":2}",            ["{\"a\":1}", "{\"b\":2}"]],
	);
	for my $f (@f) {
		my ($what, $input, $want) = @$f;
		spew("$T/frame", $input);
		my ($rc5, undef, $how5) = run_mp("$T/out5", "$T/err5", "--rejects=$T/rej5", "$T/frame");
		my @got = map { my $x = $_; $x =~ s/\r\z//; $x =~ s/\A\Q$bom\E//; $x } lines_of(slurp("$T/out5"));
		my $nrej5 = () = lines_of(slurp("$T/rej5"));
		ok($rc5 == 0 && $how5 eq '' && $nrej5 == 0 && "@got" eq "@$want", "framing: $what")
			or say_diag("status $rc5 $how5, $nrej5 rejects, stdout: " . show(slurp("$T/out5") // ''),
				'rejects: ' . show(slurp("$T/rej5") // '', 300));
	}
	# a reject after blank lines and CRLF lines names its physical line
	spew("$T/frame", "{\"a\":1}\r\n\n\r\n{\"b\":}\n");
	run_mp("$T/out5", "$T/err5", "--rejects=$T/rej5", "$T/frame");
	my ($r5) = read_rejects("$T/rej5");
	is(join(',', map { $_->{line} // '?' } @$r5), '4', 'framing: reject line numbers count blank lines');
}

done_testing();
