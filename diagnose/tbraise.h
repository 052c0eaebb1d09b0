/* tbraise: the exception a Python source line raises, when the line says
 * it. A traceback cut off after its innermost frame's source line (a paste
 * that ends there) still names its exception when that line is a `raise`
 * of an exception class or an `assert`: `raise ValueError(f'Reused local
 * dir ...` raises a ValueError, `assert self.epoch_len is not None,
 * "epoch_len must be ...` an AssertionError. The classifier runs its rules
 * on the exception line Python would have printed next. Two headers name
 * the exception before its frames: IPython's and Ray's re-raise in the
 * driver. A paste cut inside the exception's name ("AssertionErro") names
 * it too. Pure functions, no allocation. */
#ifndef ENDURE_DIAGNOSE_TBRAISE_H
#define ENDURE_DIAGNOSE_TBRAISE_H
#include <stddef.h>

/* Writes "Name: message" to out (n bytes, NUL-terminated, cut to fit) for
 * a source line src[0..len) that raises: `raise pkg.NameError(...)`,
 * `raise Name`, `raise Name from e` (a class name: its last dotted part
 * starts with a capital) or `assert expr[, msg]`. The message is the
 * string literal the line passes (prefix and quotes dropped, as far as the
 * line goes), else empty. Returns the length written, 0 when the line is
 * no such statement (a bare `raise`, `raise err`, any other code). */
size_t tb_raised_exception(const char *src, size_t len, char *out, size_t n);

/* IPython's (Jupyter's) traceback header names its exception before the
 * frames: "ImportError                 Traceback (most recent call last)".
 * Writes "Name: " to out as tb_raised_exception does for such a line
 * (the name a class's: its last dotted part capitalised, two or more
 * spaces before "Traceback"); 0 for any other line. */
size_t tb_ipython_header(const char *line, size_t len, char *out, size_t n);

/* Ray's driver re-raises a remote task's exception wrapped in a header
 * that names it: "ray.exceptions.RayTaskError(AttributeError):
 * ray::PPOTrainer.train() (pid=..., ip=...)". Writes "AttributeError: "
 * and the header's text after the colon to out as tb_raised_exception
 * does; 0 for any other line (a class name is required in the parentheses). */
size_t tb_ray_task_error(const char *line, size_t len, char *out, size_t n);

/* A managed platform's failure reason that carries a whole traceback on
 * one line, its newlines turned into spaces (Cloud ML Engine's "The replica
 * master 0 exited with a non-zero status of 1. Termination reason: Error.
 * Traceback (most recent call last): File ... raise ValueError('...')
 * ValueError: model_config not of type ..."). Writes the first exception
 * after the header, "Name: " and its message's first sentence (the
 * platform's text goes on after it), to out as
 * tb_raised_exception does (Name's last dotted part ends in Error,
 * Exception, Exit or Interrupt); 0 for any other line. */
size_t tb_inline_exception(const char *line, size_t len, char *out, size_t n);

/* A paste cut inside the name of the exception that ends its traceback
 * ("AssertionErro"): when the line (blanks around it aside) is a proper
 * prefix, at least 8 characters long, of exactly one of Python's built-in
 * exception names, writes "Name: " to out as tb_raised_exception does;
 * 0 for any other line. */
size_t tb_cut_exception_name(const char *line, size_t len, char *out, size_t n);

#endif
