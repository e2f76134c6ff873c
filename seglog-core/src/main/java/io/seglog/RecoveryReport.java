package io.seglog;

import java.nio.file.Path;
import java.util.List;

/**
 * What opening the log found and did. A clean open has no cuts.
 *
 * @param mode the recovery mode used
 * @param segmentsScanned segments whose frames were scanned (not only their header and trailer)
 * @param bytesScanned bytes of frames read and checksummed during the open
 * @param cuts every piece of the log that was removed, each kept in a side file
 * @param indexFilesRebuilt index files that were missing or damaged and were rebuilt
 * @param temporaryFilesRemoved leftovers of interrupted file creations that were deleted
 */
public record RecoveryReport(
    RecoveryMode mode,
    int segmentsScanned,
    long bytesScanned,
    List<Cut> cuts,
    List<Path> indexFilesRebuilt,
    List<Path> temporaryFilesRemoved) {

  public RecoveryReport {
    cuts = List.copyOf(cuts);
    indexFilesRebuilt = List.copyOf(indexFilesRebuilt);
    temporaryFilesRemoved = List.copyOf(temporaryFilesRemoved);
  }

  /**
   * One removal: the bytes of {@code file} from {@code offset} on (the whole file when offset is 0
   * and the file was moved aside), kept in {@code sideFile}.
   *
   * @param file the segment that was cut or moved aside
   * @param offset where the cut starts
   * @param bytes how many bytes were removed
   * @param records records known to be removed; bytes after damage are not parsed, so records in
   *     them are not counted (the side file keeps them all)
   * @param reason what damage caused the cut
   * @param sideFile where the removed bytes are kept
   */
  public record Cut(
      Path file, long offset, long bytes, long records, String reason, Path sideFile) {}

  /** Whether the open removed anything. */
  public boolean isClean() {
    return cuts.isEmpty();
  }

  /** Total bytes removed. */
  public long bytesCut() {
    return cuts.stream().mapToLong(Cut::bytes).sum();
  }

  /** Total complete records removed. */
  public long recordsCut() {
    return cuts.stream().mapToLong(Cut::records).sum();
  }
}
