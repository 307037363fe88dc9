package dev.pitstop.cli;

/**
 * The operation failed for a reason the user can act on: the CLI prints the one-sentence message
 * and exits with code 1.
 */
public class CommandFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CommandFailedException(String message) {
    super(message);
  }
}
