package io.seglog.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.seglog.IndexOutOfRangeException;
import io.seglog.Log;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.SegmentInfo;
import io.seglog.internal.format.SegmentFormat;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/** Assertions about a whole log's content. */
public final class LogChecks {
  private LogChecks() {}

  /**
   * Asserts that {@code log} holds exactly {@code expected}, starting at {@code firstIndex}: the
   * extent, every record by {@link Log#read} and all of them through one reader, and that the
   * indices just outside the extent are refused.
   */
  public static void assertExactly(Log log, long firstIndex, List<ExpectedRecord> expected) {
    long last = firstIndex + expected.size() - 1;
    assertThat(log.firstIndex()).as("firstIndex").isEqualTo(firstIndex);
    assertThat(log.lastIndex()).as("lastIndex").isEqualTo(last);
    assertThat(log.durableIndex()).as("durableIndex <= lastIndex").isLessThanOrEqualTo(last);
    for (ExpectedRecord e : expected) {
      assertRecord(e, log.read(e.index()));
    }
    assertReader(log, firstIndex, last + 1, expected);
    assertThatThrownBy(() -> log.read(last + 1)).isInstanceOf(IndexOutOfRangeException.class);
    if (firstIndex > 0) {
      assertThatThrownBy(() -> log.read(firstIndex - 1))
          .isInstanceOf(IndexOutOfRangeException.class);
    }
  }

  /** Asserts that a reader over {@code [from, to)} returns exactly the expected records there. */
  public static void assertReader(Log log, long from, long to, List<ExpectedRecord> all) {
    try (LogReader reader = log.reader(from, to)) {
      long expectedNext = from;
      for (ExpectedRecord e : all) {
        if (e.index() < from || e.index() >= to) {
          continue;
        }
        assertThat(reader.position()).as("reader position").isEqualTo(expectedNext);
        assertThat(reader.hasNext()).as("reader has index " + e.index()).isTrue();
        assertRecord(e, reader.next());
        expectedNext++;
      }
      if (reader.hasNext()) {
        fail("reader over [" + from + ", " + to + ") returned an extra " + reader.next());
      }
    }
  }

  public static void assertRecord(ExpectedRecord expected, Record actual) {
    String diff = expected.difference(actual);
    if (diff != null) {
      fail(diff);
    }
  }

  /** Each sealed segment's trailer digest is the SHA-256 of its file's bytes before the trailer. */
  public static void assertSealedDigestsMatchContent(List<SegmentInfo> segments) throws Exception {
    for (SegmentInfo s : segments) {
      if (!s.sealed()) {
        continue;
      }
      byte[] bytes = Files.readAllBytes(s.file());
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(bytes, 0, bytes.length - SegmentFormat.TRAILER_FRAME_BYTES);
      assertThat(s.digest())
          .as(s.file().toString())
          .isEqualTo(HexFormat.of().formatHex(sha.digest()));
    }
  }
}
