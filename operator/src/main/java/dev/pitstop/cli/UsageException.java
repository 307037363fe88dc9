package dev.pitstop.cli;

/** Bad usage or bad input: the CLI prints the one-sentence message and exits with code 2. */
public class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
