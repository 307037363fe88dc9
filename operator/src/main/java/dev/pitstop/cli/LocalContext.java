package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.PrintStream;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * What a {@link LocalRunner} gets: the database (from {@code --database-url} / the environment,
 * else the manifest's Secret), the other objects of the manifest file (ConfigMaps and Secrets the
 * resource references by name), and where to print progress.
 *
 * @param dataSource the target database
 * @param settings its connection settings (for messages; never print the password)
 * @param configMaps ConfigMaps defined in the same manifest file, by name
 * @param secrets Secrets defined in the same manifest file, by name
 * @param out progress lines
 * @param err warnings
 * @param approve {@code --approve}: the plan of this run is approved, whatever it holds
 */
public record LocalContext(
    DataSource dataSource,
    ConnectionSettings settings,
    Function<String, Optional<ConfigMap>> configMaps,
    Function<String, Optional<Secret>> secrets,
    PrintStream out,
    PrintStream err,
    boolean approve) {}
