package io.flowctl.client.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.IncompatibleSchemaException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** Refused input is never silent: counted, logged once per cause, and the health says so. */
class RefusalsTest {
  /** Keeps every WARN line. */
  static final class Lines extends LegacyAbstractLogger {
    final List<String> warnings = new CopyOnWriteArrayList<>();

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String format, Object[] args, Throwable t) {
      if (level == Level.WARN) {
        warnings.add(MessageFormatter.arrayFormat(format, args).getMessage());
      }
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }

  static IncompatibleSchemaException retyped() {
    Schema reader = new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(64, true))));
    Schema writer = new Schema(List.of(Field.notNullable("amount", ArrowType.Utf8.INSTANCE)));
    String changes =
        CompatibilityChecker.describe(
            CompatibilityChecker.defaults().whyCannotRead(reader, writer));
    return new IncompatibleSchemaException("refused: " + changes, null, changes);
  }

  @Test
  void aCauseIsLoggedOnceWithItsRunningCount_andTheHealthTurnsDegraded() {
    Lines log = new Lines();
    ComponentHealth health = new ComponentHealth();
    health.set(HealthStatus.HEALTH_STATUS_HEALTHY, "serving");
    Refusals r = new Refusals("processor 'totals'", health, log);

    for (int i = 1; i <= 100; i++) {
      r.refused("event '" + i + "'", retyped());
    }
    r.refused("event 'x'", new IllegalArgumentException("not an Arrow stream"));

    assertThat(r.count()).isEqualTo(101);
    assertThat(log.warnings).hasSize(2);
    assertThat(log.warnings.get(0))
        .isEqualTo(
            "processor 'totals' refused event '1': 'amount' changed type from int64 to utf8;"
                + " no rule of the widening table relates them (1 refused for this cause, 1 in all)");
    assertThat(log.warnings.get(1)).contains("not an Arrow stream").contains("101 in all");
    assertThat(r.firstCause()).startsWith("'amount' changed type from int64 to utf8");
    assertThat(health.status()).isEqualTo(HealthStatus.HEALTH_STATUS_DEGRADED);
    assertThat(health.message())
        .isEqualTo(
            "processor 'totals' refused 101 events: 'amount' changed type from int64 to utf8;"
                + " no rule of the widening table relates them");
  }

  @Test
  void aComponentItsOwnerMarkedUnhealthy_staysSo() {
    ComponentHealth health = new ComponentHealth();
    health.set(HealthStatus.HEALTH_STATUS_UNHEALTHY, "its output schema was refused");
    Refusals r = new Refusals("sink 's'", health, new Lines());
    r.refused("event '1'", retyped());
    r.handled();

    assertThat(health.status()).isEqualTo(HealthStatus.HEALTH_STATUS_UNHEALTHY);
    assertThat(health.message()).isEqualTo("its output schema was refused");
  }
}
