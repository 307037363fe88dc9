package dev.pitstop;

public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("pitstop");
  }
}
