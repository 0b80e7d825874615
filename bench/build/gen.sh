# bench/build/gen.sh - the generated source of the build benchmarks,
# sourced by run.sh and cc1.sh (which counts run.sh's (b) file).
# About 4,000 lines: 333 functions of 12 lines and a main calling each;
# every $1-th function annotated.
generate() {
	awk -v every="$1" 'BEGIN {
		print "#include <stdio.h>"
		for (n = 0; n < 333; n++) {
			print (n % every == 0) ? "/* @hotpath */" : "/* plain */"
			printf "int f%d(int x)\n{\n\tint s = 0, i;\n\n", n
			printf "\tfor (i = 0; i < x; i++)\n\t\ts += (i * %d) ^ (s >> 3);\n", n + 1
			printf "\tif (s > 1000)\n\t\ts -= %d;\n\treturn s;\n}\n", n
		}
		print "int main(void)\n{\n\tint s = 0;"
		for (n = 0; n < 333; n++)
			printf "\ts += f%d(%d);\n", n, n % 7
		print "\tprintf(\"%d\\n\", s);\n\treturn 0;\n}"
	}'
}
