package io.seglog.reliability;

import io.seglog.Log;
import io.seglog.LogReader;
import io.seglog.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The invariants every crash test checks after a reopen, returned as a list of violations rather
 * than thrown, so that a negative control can assert that a broken engine IS caught.
 *
 * <p>{@code sent} holds, for index {@code i}, the payload at {@code sent.get(i - firstIndex)}:
 * every record the test ever handed to the log, whether or not it was acknowledged. {@code
 * mustHave} is the highest index the log promised (acknowledged as durable). The log must start at
 * {@code firstIndex}, reach at least {@code mustHave} (nothing acknowledged lost), go no further
 * than {@code sent} (nothing invented), and hold at every index exactly the payload sent for it,
 * read back contiguously through one reader and well-formed.
 */
final class LogContentCheck {
  private LogContentCheck() {}

  /** At most this many individual record mismatches are listed. */
  private static final int MAX_LISTED = 5;

  static List<String> violations(Log log, long firstIndex, List<byte[]> sent, long mustHave) {
    List<String> v = new ArrayList<>();
    long last = log.lastIndex();
    long sentLast = firstIndex + sent.size() - 1;
    if (log.firstIndex() != firstIndex) {
      v.add("firstIndex " + log.firstIndex() + ", expected " + firstIndex);
      return v;
    }
    if (last < mustHave) {
      v.add(
          "LOST ACKNOWLEDGED RECORDS: lastIndex "
              + last
              + " but indices up to "
              + mustHave
              + " were acknowledged ("
              + (mustHave - last)
              + " lost)");
    }
    if (last > sentLast) {
      v.add("INVENTED RECORDS: lastIndex " + last + " but only up to " + sentLast + " were sent");
    }
    int listed = 0;
    long expected = firstIndex;
    try (LogReader reader = log.reader(firstIndex, last + 1)) {
      while (reader.hasNext()) {
        Record r = reader.next();
        if (r.index() != expected) {
          v.add("reader returned index " + r.index() + " where " + expected + " was next");
          return v;
        }
        byte[] payload = r.payloadBytes();
        boolean wellFormed = Payloads.isWellFormed(payload);
        boolean matches =
            expected <= sentLast && Arrays.equals(payload, sentAt(sent, firstIndex, expected));
        if ((!wellFormed || !matches) && listed++ < MAX_LISTED) {
          v.add(
              "index "
                  + expected
                  + (wellFormed ? " holds a different record: " : " holds a malformed payload: ")
                  + new String(payload, StandardCharsets.US_ASCII));
        }
        expected++;
      }
    } catch (RuntimeException e) {
      v.add("reading index " + expected + " failed: " + e);
      return v;
    }
    if (expected != last + 1) {
      v.add("reader stopped at " + expected + ", lastIndex is " + last);
    }
    return v;
  }

  private static byte[] sentAt(List<byte[]> sent, long firstIndex, long index) {
    return sent.get((int) (index - firstIndex));
  }
}
