package io.seglog.internal.log;

import io.seglog.Log;

/**
 * For crash tests of packed single appends in other packages and modules: whether a log holds an
 * open frame (appended records not yet sealed, see {@code SegmentedLog}'s class note). Reads one
 * volatile field and takes no lock, so it never seals the frame it looks at.
 */
public final class PackedFrameProbe {
  private PackedFrameProbe() {}

  /** Whether {@code log} (a {@link SegmentedLog}) holds records in an open frame now. */
  public static boolean hasOpenFrame(Log log) {
    return ((SegmentedLog) log).hasPendingRecords();
  }

  /**
   * The last index {@code log} published to readers, without publishing the open frame's records
   * (which {@link Log#lastIndex()} would do): every record after it is in the open frame.
   */
  public static long publishedLastIndex(Log log) {
    return ((SegmentedLog) log).publishedLastIndex();
  }
}
