# SPDX-License-Identifier: GPL-2.0
#
# Writing gnuplot scripts and their data files.  -v dir=<scratch folder>;
# every plot "name" becomes dir/name.gp drawing name.svg, its data files
# dir/name.*.dat.  The manifest (dir/manifest) lists, tab-separated,
#   key section plot|none name caption-or-sentence
# so that the page writer inlines name.svg or prints the sentence.

# gp_name(s): s usable inside a single-quoted gnuplot string.
function gp_name(s)
{
	gsub(/'/, "", s)
	return s
}

# gp_begin(name, title, xlabel, ylabel): start dir/name.gp.
function gp_begin(name, title, xlabel, ylabel,    f)
{
	f = dir "/" name ".gp"
	printf "set terminal svg size 760,380 dynamic noenhanced font 'sans,11' background '#ffffff'\n" > f
	printf "set output '%s.svg'\n", name > f
	printf "set title '%s'\n", gp_name(title) > f
	printf "set xlabel '%s'\n", gp_name(xlabel) > f
	printf "set ylabel '%s'\n", gp_name(ylabel) > f
	printf "set grid\nset key outside right top\n" > f
	return f
}

# gp_end(f, plotcmd): finish a script with its plot command.
function gp_end(f, plotcmd)
{
	print plotcmd > f
	close(f)
}

function manifest(key, section, kind, name, text)
{
	gsub(/[\t\n]/, " ", text)
	printf "%s\t%s\t%s\t%s\t%s\n", key, section, kind, name, text > (dir "/manifest")
}

function dat(name)
{
	return dir "/" name
}

function isnum(v)
{
	return v ~ /^[0-9]+(\.[0-9]+)?$/
}
