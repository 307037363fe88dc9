package dev.pitstop.database;

/** One PostgreSQL server address; IPv6 literals are kept without brackets. */
public record HostPort(String host, int port) {

  public HostPort {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be between 1 and 65535");
    }
  }

  /** The port a text names, or -1 when it is not a number from 1 to 65535. */
  static int parsePort(String text) {
    try {
      int port = Integer.parseInt(text.trim());
      return port >= 1 && port <= 65535 ? port : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code host:port}, with an IPv6 literal in brackets as URIs need it. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
