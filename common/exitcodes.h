/* exitcodes: the exit codes of `endure run` (documented in docs/run.md, "Exit codes"). */
#ifndef ENDURE_EXITCODES_H
#define ENDURE_EXITCODES_H

enum endure_exit {
    EXIT_OK = 0,            /* the job succeeded */
    EXIT_FAILED = 1,        /* failed and the restart budget is spent */
    EXIT_USAGE = 2,         /* bad flag, value or input */
    EXIT_NOT_RETRYABLE = 3, /* stopped: the failure is not worth retrying */
    EXIT_NO_NODES = 4,      /* not enough healthy nodes remain */
    EXIT_SIGNAL_BASE = 128  /* 128+N after signal N */
};

#endif
