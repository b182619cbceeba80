#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>

#include "util/error.h"
#include "util/rpmcfg.h"
#include "util/banned.h"

int rpmcfg_setup(rpmlogCallback collect, rpmlogCallbackData data)
{
	rpmlogSetCallback(collect, data);
	if (rpmReadConfigFiles(NULL, NULL) != 0)
		return error_set(ERR_GENERIC, "cannot read rpm's configuration");
	return 0;
}
