package io.seglog;

import java.nio.file.Path;

/**
 * A checkpoint in the log: the state as of record {@code index} (every record up to and including
 * it applied, none after).
 *
 * @param index the last record the checkpoint covers; the records after it rebuild later states
 * @param segment the segment file holding it
 * @param offset the byte offset of its first chunk frame in that file
 * @param bytes the checkpoint's size (the state's bytes, chunk headers excluded)
 */
public record CheckpointInfo(long index, Path segment, long offset, long bytes) {}
