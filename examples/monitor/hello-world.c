#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-misc.h"

HelloWorld *qmp_hello_world(bool has_message, const char *message, Error **errp)
{
    HelloWorld *ret = g_new0(HelloWorld, 1);

    ret->message = g_strdup(has_message && message ? message : "Hello, world!");
    return ret;
}
