/*
 * sm-sandbox.c: the Salesmate sandbox as a stand-alone test program
 * (ghlterm-sandbox --api salesmate does the same from the real program).
 */
#include "config.h"

#include "sms.h"

int
main(int argc, char **argv)
{
	return sm_sandbox_main(argc, argv);
}
