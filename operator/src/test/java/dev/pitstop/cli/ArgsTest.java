package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
  private static Args parse(String... args) {
    return Args.parse(List.of(args), Set.of("file", "dir"), Set.of("quiet"), Map.of("f", "file"));
  }

  @Test
  void shortAliasesStandForTheirLongOption() {
    Args args = parse("-f", "a.yaml", "--dir=x", "--quiet");
    assertThat(args.required("file")).isEqualTo("a.yaml");
    assertThat(args.required("dir")).isEqualTo("x");
    assertThat(args.flag("quiet")).isTrue();
    assertThat(args.withoutPositional().positional()).isEmpty();
  }

  @Test
  void unknownShortOptionsAndStrayArgumentsAreRefused() {
    assertThatThrownBy(() -> parse("-x"))
        .isInstanceOf(UsageException.class)
        .hasMessage("unknown option -x");
    assertThatThrownBy(() -> parse("-f"))
        .isInstanceOf(UsageException.class)
        .hasMessage("--file needs a value");
    assertThatThrownBy(() -> parse("--dir", "x", "extra").withoutPositional())
        .isInstanceOf(UsageException.class)
        .hasMessage("unexpected argument 'extra'");
    assertThat(parse("-").positional()).containsExactly("-");
  }
}
