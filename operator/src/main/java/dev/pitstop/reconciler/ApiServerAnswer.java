package dev.pitstop.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** What the API server said when it refused a write, for a status message or an Event. */
public final class ApiServerAnswer {
  private ApiServerAnswer() {}

  /**
   * The API server's own sentence (an admission webhook's denial, a validation message), not the
   * client's "Failure executing: PATCH at: ... Received status: Status(...)" wrapping of it; the
   * exception's message when the server sent none.
   */
  public static String of(KubernetesClientException e) {
    if (e.getStatus() != null
        && e.getStatus().getMessage() != null
        && !e.getStatus().getMessage().isBlank()) {
      return e.getStatus().getMessage();
    }
    return String.valueOf(e.getMessage());
  }
}
