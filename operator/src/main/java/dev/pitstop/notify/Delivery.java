package dev.pitstop.notify;

/**
 * What became of one notification.
 *
 * @param delivered whether the webhook accepted it (HTTP 2xx)
 * @param attempts requests made
 * @param error why it was not delivered, one sentence without the URL; null when delivered
 */
public record Delivery(boolean delivered, int attempts, String error) {
  static Delivery ok(int attempts) {
    return new Delivery(true, attempts, null);
  }

  static Delivery failed(int attempts, String error) {
    return new Delivery(false, attempts, error);
  }
}
