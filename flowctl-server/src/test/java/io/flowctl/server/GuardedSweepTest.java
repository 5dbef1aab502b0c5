package io.flowctl.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.server.schema.StoreException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GuardedSweepTest {
  @Test
  void aSweepThatFailsWhileTheStoreIsDown_keepsItsSchedule() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch recovered = new CountDownLatch(3);
    Runnable sweep =
        () -> {
          if (calls.incrementAndGet() <= 2) {
            throw new StoreException(
                "the database is down", null); // what sync() meets in an outage
          }
          recovered.countDown();
        };
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      scheduler.scheduleAtFixedRate(
          FlowctlServer.guarded("the test sweep", sweep), 0, 10, TimeUnit.MILLISECONDS);

      assertThat(recovered.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(calls.get()).isGreaterThanOrEqualTo(5);
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void unguarded_aScheduledTaskThatThrowsIsNeverRunAgain() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      var future =
          scheduler.scheduleAtFixedRate(
              () -> {
                calls.incrementAndGet();
                throw new StoreException("the database is down", null);
              },
              0,
              10,
              TimeUnit.MILLISECONDS);
      while (!future.isDone()) {
        Thread.sleep(5);
      }
      assertThat(calls.get()).isEqualTo(1); // why the guard exists
    } finally {
      scheduler.shutdownNow();
    }
  }
}
