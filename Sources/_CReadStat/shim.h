// ReadStat (Debian libreadstat-dev): Stata, SPSS and SAS data files.
#include <readstat.h>
