/**
 * The {@code seglog} command-line tool: {@link io.seglog.cli.SeglogCli} and one class per command.
 *
 * <p>Threading: a command object is created by picocli for one execution and is not thread-safe;
 * the tool is single-threaded apart from the engine's own background work. Stateless helpers are
 * thread-safe; {@code Json}, {@code LineReader} and the demo's writer are per-use and are not.
 *
 * <p>Output contract (scripts and crash tests depend on it): results go to stdout, and every
 * failure writes exactly one line starting with {@code seglog: } to stderr; exit 0 on success, 1
 * when damage is found or an operation fails, 2 on a usage error. Read-only commands ({@code dump},
 * {@code read}, {@code stat}, {@code verify}) never modify a log, even a damaged one.
 */
package io.seglog.cli;
