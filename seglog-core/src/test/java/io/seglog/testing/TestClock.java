package io.seglog.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that stands still until a test moves it. Thread-safe. */
public final class TestClock extends Clock {
  private final AtomicLong millis;

  public TestClock(long startMillis) {
    this.millis = new AtomicLong(startMillis);
  }

  public long advance(long deltaMillis) {
    return millis.addAndGet(deltaMillis);
  }

  public void set(long epochMillis) {
    millis.set(epochMillis);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a test clock is UTC only");
  }
}
