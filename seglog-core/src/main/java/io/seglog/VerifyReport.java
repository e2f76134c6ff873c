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
 */
public record VerifyReport(
    Path directory,
    long firstIndex,
    long lastIndex,
    int segments,
    long bytes,
    long records,
    List<Finding> findings) {

  public VerifyReport {
    findings = List.copyOf(findings);
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
   * @param kind a stable machine-readable kind, e.g. {@code frame-checksum}, {@code torn-tail},
   *     {@code header}, {@code gap}, {@code foreign-segment}, {@code chain}, {@code trailer},
   *     {@code index-file}, {@code metadata}
   * @param message a human description
   */
  public record Finding(Path file, long offset, String kind, String message) {}
}
