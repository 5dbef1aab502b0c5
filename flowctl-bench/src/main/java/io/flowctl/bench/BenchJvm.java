package io.flowctl.bench;

/** JVM flags every forked benchmark JVM needs. */
final class BenchJvm {
  /** Arrow's memory module reads {@code java.nio.Buffer.address} reflectively on JDK 17+. */
  static final String ADD_OPENS = "--add-opens=java.base/java.nio=ALL-UNNAMED";

  /** A fixed heap, touched at start (why: {@link ThroughputBenchmark}). */
  static final String XMS = "-Xms2g";

  static final String XMX = "-Xmx2g";
  static final String PRE_TOUCH = "-XX:+AlwaysPreTouch";

  private BenchJvm() {}
}
