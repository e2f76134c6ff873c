package io.seglog;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link LogVerifier#verify} found. A log is intact when there are no findings.
 *
 * @param directory the log directory
 * @param firstIndex first index of the readable prefix
 * @param lastIndex last index of the readable prefix (up to the first damage)
 * @param segments segment files examined
 * @param bytes bytes of segment files
 * @param records records whose frames verified
 * @param findings every damage found, in file order
 * @param chainAnchor hex SHA-256 of the newest sealed segment whose chain back to the first segment
 *     is intact: print it now, pass it to {@link LogVerifier#verify(Path, String)} later to prove
 *     that nothing up to it was changed since; null when no sealed segment is intact
 * @param encryptedFrames encrypted frames among the verified ones: the verifier checks their
 *     structure and checksums but, having no key, not their payloads (read them with the keys to
 *     authenticate them, as {@code seglog verify --key-file} does)
 */
public record VerifyReport(
    Path directory,
    long firstIndex,
    long lastIndex,
    int segments,
    long bytes,
    long records,
    List<Finding> findings,
    String chainAnchor,
    long encryptedFrames) {

  public VerifyReport {
    findings = List.copyOf(findings);
  }

  /** A report of a log without encrypted frames. */
  public VerifyReport(
      Path directory,
      long firstIndex,
      long lastIndex,
      int segments,
      long bytes,
      long records,
      List<Finding> findings,
      String chainAnchor) {
    this(directory, firstIndex, lastIndex, segments, bytes, records, findings, chainAnchor, 0);
  }

  /** True when nothing is damaged. */
  public boolean intact() {
    return findings.isEmpty();
  }

  /**
   * One piece of damage.
   *
   * @param file the damaged file
   * @param offset byte offset of the damage in the file, -1 for the whole file
   * @param kind a stable machine-readable kind, one of: {@code metadata} (missing or damaged
   *     metadata file), {@code file-name} (a segment name that is not a valid index), {@code
   *     header} (a damaged segment header), {@code foreign-segment} (a segment of another log),
   *     {@code misnamed} (header and file name disagree), {@code sequence} (segment sequence out of
   *     order), {@code gap} (indices missing between segments, or before the first), {@code chain}
   *     (previous-segment digest does not match), {@code frame} (a damaged frame that is not a torn
   *     tail), {@code torn-tail} (damage at the end of the last segment that recovery would cut),
   *     {@code truncated} (the last segment is shorter than its clean-close index file proves was
   *     fsynced: durable records were lost), {@code trailer} (a missing or inconsistent trailer),
   *     {@code digest} (a sealed segment whose content no longer matches its trailer), {@code
   *     index-file} (a damaged or mismatched index file; derived data, rebuilt on open), {@code
   *     anchor} (an expected chain digest that no intact sealed segment has)
   * @param message a human description
   * @param firstAffectedIndex first index of the records the damage affects, or {@link #NO_INDEX}
   *     when no record index applies (a {@code file-name} finding, a segment holding no record, a
   *     log without segments). Per kind: {@code frame}, {@code torn-tail}: the first record of the
   *     damaged frame; {@code truncated}: the first record the file should hold but does not;
   *     {@code gap}: the first index between where the segment should start and where it starts
   *     (missing indices when it starts late, indices held out of order or twice when it starts
   *     early); {@code metadata}, {@code anchor}: the first index of the whole log; {@code header}:
   *     the base index in the segment's file name; every other kind: the first record of the
   *     segment it names (of its segment for {@code index-file})
   * @param lastAffectedIndex last index of the affected records, or {@link #NO_INDEX} when the
   *     affected records run to the end of the log (damage in the last segment, hiding where its
   *     records end; {@code metadata}; {@code anchor}) or {@code firstAffectedIndex} is {@link
   *     #NO_INDEX}. Damage inside a segment that another segment follows ends before the next
   *     segment file's base index; a gap ends before the later of the two starts
   */
  public record Finding(
      Path file,
      long offset,
      String kind,
      String message,
      long firstAffectedIndex,
      long lastAffectedIndex) {

    /** No index: see {@link #firstAffectedIndex} and {@link #lastAffectedIndex}. */
    public static final long NO_INDEX = -1;

    /**
     * @throws IllegalArgumentException if the range is not {@link #NO_INDEX} or a valid range
     */
    public Finding {
      if (firstAffectedIndex < NO_INDEX
          || lastAffectedIndex < NO_INDEX
          || (firstAffectedIndex == NO_INDEX && lastAffectedIndex != NO_INDEX)
          || (lastAffectedIndex != NO_INDEX && lastAffectedIndex < firstAffectedIndex)) {
        throw new IllegalArgumentException(
            "affected index range "
                + firstAffectedIndex
                + ".."
                + lastAffectedIndex
                + " is invalid");
      }
    }

    /** A finding without an index range (both ends {@link #NO_INDEX}). */
    public Finding(Path file, long offset, String kind, String message) {
      this(file, offset, kind, message, NO_INDEX, NO_INDEX);
    }

    /** Whether the finding names affected records ({@link #firstAffectedIndex} is an index). */
    public boolean affectsRecords() {
      return firstAffectedIndex != NO_INDEX;
    }

    /** Whether the affected records run from {@link #firstAffectedIndex} to the end of the log. */
    public boolean openEnded() {
      return affectsRecords() && lastAffectedIndex == NO_INDEX;
    }
  }
}
