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
   */
  public record Finding(Path file, long offset, String kind, String message) {}
}
