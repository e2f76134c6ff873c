package io.seglog.internal.format;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Names of the files in a log directory. Name order of segments is index order because base indices
 * are zero-padded to 20 digits. A file's state is marked by its suffix.
 *
 * <pre>
 *   seglog.lock                         OS lock held while the log is open
 *   seglog.meta                         metadata, replaced atomically
 *   NNNNNNNNNNNNNNNNNNNN.seg            segment whose first record has index N
 *   NNNNNNNNNNNNNNNNNNNN.idx            its index file (derived, rebuildable)
 *   *.tmp                               a file being created; deleted on open
 *   NNNNNNNNNNNNNNNNNNNN.seg.OOOO.cut   bytes recovery cut from that segment at offset OOOO
 *   NNNNNNNNNNNNNNNNNNNN.seg.OOOO-K.cut the K-th later cut with the same name: side files are never
 *                                       overwritten
 * </pre>
 */
public final class FileNames {
  private FileNames() {}

  public static final String LOCK = "seglog.lock";
  public static final String METADATA = "seglog.meta";
  public static final String SEGMENT_SUFFIX = ".seg";
  public static final String INDEX_SUFFIX = ".idx";
  public static final String TIME_INDEX_SUFFIX = ".tix";
  public static final String TEMP_SUFFIX = ".tmp";
  public static final String CUT_SUFFIX = ".cut";

  private static final Pattern SEGMENT = Pattern.compile("\\d{20}\\.seg");
  private static final Pattern INDEX = Pattern.compile("\\d{20}\\.idx");

  public static String segment(long baseIndex) {
    return String.format("%020d", baseIndex) + SEGMENT_SUFFIX;
  }

  public static String timeIndex(long baseIndex) {
    return String.format("%020d", baseIndex) + TIME_INDEX_SUFFIX;
  }

  public static String index(long baseIndex) {
    return String.format("%020d", baseIndex) + INDEX_SUFFIX;
  }

  public static Path temp(Path file) {
    return file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
  }

  /** Where recovery keeps the bytes it cut from {@code segment} starting at {@code offset}. */
  public static Path cut(Path segment, long offset) {
    return cut(segment, offset, 0);
  }

  /**
   * The {@code k}-th name for a cut of {@code segment} at {@code offset} (k = 0 is the plain one).
   */
  public static Path cut(Path segment, long offset, int k) {
    String suffix = k == 0 ? "" : "-" + k;
    return segment.resolveSibling(segment.getFileName() + "." + offset + suffix + CUT_SUFFIX);
  }

  public static boolean isSegment(String name) {
    return SEGMENT.matcher(name).matches();
  }

  public static boolean isIndex(String name) {
    return INDEX.matcher(name).matches();
  }

  /** The base index in a segment or index file name. */
  public static long baseIndexOf(String name) {
    return Long.parseLong(name.substring(0, 20));
  }
}
