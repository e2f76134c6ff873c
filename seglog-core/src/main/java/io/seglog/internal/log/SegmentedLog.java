package io.seglog.internal.log;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.internal.io.FileIO;
import java.nio.file.Path;
import java.util.UUID;

/** STUB: being written. */
public abstract class SegmentedLog implements Log {
  public static SegmentedLog open(Path directory, LogConfig config, FileIO io) {
    return open(directory, config, io, UUID.randomUUID());
  }

  /** Opens, creating a new log with {@code newLogId} if absent (golden-file tests fix the id). */
  public static SegmentedLog open(Path directory, LogConfig config, FileIO io, UUID newLogId) {
    throw new UnsupportedOperationException("not yet");
  }

  public static SegmentedLog openReadOnly(Path directory, LogConfig config, FileIO io) {
    throw new UnsupportedOperationException("not yet");
  }
}
