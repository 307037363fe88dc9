package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A reset end to end on a schema shaped like the Pagila sample database: films, actors and
 * categories with their join tables, addresses, the store ↔ staff foreign-key cycle, customers,
 * inventory and rentals, a payment table partitioned by month, a last_updated trigger on every
 * table but payment, sequences created apart and called by column defaults (not owned by their
 * tables), and a Flyway history table. Cycles, sequences and partitions are tested one by one in
 * {@link ResetCyclesTest}, {@link ResetSequencesTest} and {@link ResetPartitionsPlanTest}; this
 * test checks that they work together, with triggers, for both settings of {@code triggers}.
 */
class ResetPagilaTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  private static final List<String> TABLES =
      List.of(
          "language",
          "actor",
          "category",
          "film",
          "film_actor",
          "film_category",
          "address",
          "store",
          "staff",
          "customer",
          "inventory",
          "rental",
          "payment",
          "payment_p2022_01",
          "payment_p2022_02",
          "payment_p2022_03");

  private static final List<String> TRIGGERED =
      List.of(
          "language",
          "actor",
          "category",
          "film",
          "film_actor",
          "film_category",
          "address",
          "store",
          "staff",
          "customer",
          "inventory",
          "rental");

  @BeforeEach
  void pagila() {
    pg.execute(
        """
        CREATE TABLE flyway_schema_history (
          installed_rank int PRIMARY KEY, version varchar(50), description varchar(200),
          type varchar(20), script varchar(1000), checksum int, installed_by varchar(100),
          installed_on timestamp DEFAULT now(), execution_time int, success boolean);
        INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,
          checksum, installed_by, execution_time, success)
          VALUES (1, '1', 'pagila', 'SQL', 'V1__pagila.sql', 42, 'app', 5, true);
        -- what the triggers did, kept by the reset
        CREATE TABLE trigger_log (tbl text, op text);

        CREATE SEQUENCE actor_actor_id_seq;
        CREATE SEQUENCE film_film_id_seq;
        CREATE SEQUENCE customer_customer_id_seq;
        CREATE SEQUENCE payment_payment_id_seq;
        CREATE SEQUENCE invoice_number_seq;  -- used by no table
        CREATE TABLE language (language_id serial PRIMARY KEY, name char(20) NOT NULL,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE actor (actor_id integer DEFAULT nextval('actor_actor_id_seq') PRIMARY KEY,
          first_name text NOT NULL, last_name text NOT NULL,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE category (category_id serial PRIMARY KEY, name text NOT NULL,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE film (film_id integer DEFAULT nextval('film_film_id_seq') PRIMARY KEY,
          title text NOT NULL, language_id integer NOT NULL REFERENCES language,
          original_language_id integer REFERENCES language,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE film_actor (actor_id integer NOT NULL REFERENCES actor,
          film_id integer NOT NULL REFERENCES film, last_update timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (actor_id, film_id));
        CREATE TABLE film_category (film_id integer NOT NULL REFERENCES film,
          category_id integer NOT NULL REFERENCES category,
          last_update timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (film_id, category_id));
        CREATE TABLE address (address_id serial PRIMARY KEY, address text NOT NULL,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE store (store_id serial PRIMARY KEY, manager_staff_id integer,
          address_id integer NOT NULL REFERENCES address,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE staff (staff_id serial PRIMARY KEY, first_name text NOT NULL,
          address_id integer NOT NULL REFERENCES address,
          store_id integer NOT NULL REFERENCES store,
          last_update timestamptz NOT NULL DEFAULT now());
        ALTER TABLE store ADD CONSTRAINT store_manager_staff_id_fkey
          FOREIGN KEY (manager_staff_id) REFERENCES staff;
        CREATE TABLE customer (
          customer_id integer DEFAULT nextval('customer_customer_id_seq') PRIMARY KEY,
          store_id integer NOT NULL REFERENCES store, first_name text NOT NULL,
          address_id integer NOT NULL REFERENCES address, active boolean NOT NULL DEFAULT true,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE inventory (inventory_id serial PRIMARY KEY,
          film_id integer NOT NULL REFERENCES film, store_id integer NOT NULL REFERENCES store,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE rental (rental_id serial PRIMARY KEY, rental_date timestamptz NOT NULL,
          inventory_id integer NOT NULL REFERENCES inventory,
          customer_id integer NOT NULL REFERENCES customer,
          staff_id integer NOT NULL REFERENCES staff,
          last_update timestamptz NOT NULL DEFAULT now());
        CREATE TABLE payment (
          payment_id integer DEFAULT nextval('payment_payment_id_seq') NOT NULL,
          customer_id integer NOT NULL REFERENCES customer,
          staff_id integer NOT NULL REFERENCES staff, rental_id integer REFERENCES rental,
          amount numeric(5,2) NOT NULL, payment_date timestamptz NOT NULL,
          PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date);
        CREATE TABLE payment_p2022_01 PARTITION OF payment
          FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
        CREATE TABLE payment_p2022_02 PARTITION OF payment
          FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
        CREATE TABLE payment_p2022_03 PARTITION OF payment
          FOR VALUES FROM ('2022-03-01') TO ('2022-04-01');

        INSERT INTO language (name) VALUES ('English'), ('Italian');
        INSERT INTO actor (first_name, last_name)
          SELECT 'First' || g, 'Last' || g FROM generate_series(1, 20) g;
        INSERT INTO category (name) VALUES ('Action'), ('Comedy'), ('Documentary');
        INSERT INTO film (title, language_id)
          SELECT 'Film ' || g, 1 + g % 2 FROM generate_series(1, 10) g;
        INSERT INTO film_actor (actor_id, film_id)
          SELECT 1 + g % 20, 1 + g % 10 FROM generate_series(1, 20) g;
        INSERT INTO film_category (film_id, category_id)
          SELECT g, 1 + g % 3 FROM generate_series(1, 10) g;
        INSERT INTO address (address) SELECT g || ' Main St' FROM generate_series(1, 10) g;
        INSERT INTO store (address_id) VALUES (1), (2);
        INSERT INTO staff (first_name, address_id, store_id)
          VALUES ('Mike', 3, 1), ('Jon', 4, 2), ('Ann', 5, 2);
        UPDATE store SET manager_staff_id = store_id;
        INSERT INTO customer (store_id, first_name, address_id)
          SELECT 1 + g % 2, 'Customer ' || g, 1 + g % 10 FROM generate_series(1, 15) g;
        INSERT INTO inventory (film_id, store_id)
          SELECT 1 + g % 10, 1 + g % 2 FROM generate_series(1, 20) g;
        INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)
          SELECT timestamptz '2022-01-01' + g * interval '1 day', 1 + g % 20, 1 + g % 15,
            1 + g % 3 FROM generate_series(1, 30) g;
        INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
          SELECT 1 + g % 15, 1 + g % 3, 1 + g % 30, 0.99 + g % 5,
            timestamptz '2022-01-01' + g * interval '1 day' FROM generate_series(1, 80) g;

        CREATE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.last_update = CURRENT_TIMESTAMP;
          INSERT INTO trigger_log VALUES (TG_TABLE_NAME, TG_OP);
          RETURN NEW;
        END $$;
        CREATE FUNCTION log_payment() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO trigger_log VALUES (TG_TABLE_NAME, TG_OP);
          RETURN OLD;
        END $$;
        -- Pagila's trigger on payment's partitions: deletes are logged
        CREATE TRIGGER payment_log AFTER DELETE ON payment
          FOR EACH ROW EXECUTE FUNCTION log_payment();
        """);
    for (String table : TRIGGERED) {
      pg.execute(
          "CREATE TRIGGER last_updated BEFORE UPDATE ON "
              + table
              + " FOR EACH ROW EXECUTE FUNCTION last_updated()");
    }
    pg.execute("SELECT nextval('invoice_number_seq') FROM generate_series(1, 7)");
  }

  private ResetRequest.Builder request() {
    return ResetRequest.builder(pg.databaseName())
        .preserveTables(List.of("trigger_log"))
        .seeds(
            List.of(
                new SeedScript(
                    "01-catalog.sql",
                    "INSERT INTO language (name) VALUES ('English');"
                        + " INSERT INTO film (title, language_id) VALUES ('ACADEMY DINOSAUR', 1);"
                        + " INSERT INTO actor (first_name, last_name)"
                        + " VALUES ('PENELOPE', 'GUINESS');"
                        + " UPDATE actor SET first_name = 'Penelope';")));
  }

  private List<String> log() {
    return pg.queryStrings(
        "SELECT tbl || ' ' || op || ' ' || count(*) FROM trigger_log GROUP BY tbl, op ORDER BY 1");
  }

  private List<String> triggerStates() {
    return pg.queryStrings(
        "SELECT tgrelid::regclass || '.' || tgname || '=' || tgenabled::text FROM pg_trigger"
            + " WHERE NOT tgisinternal ORDER BY 1");
  }

  /** Everything a reset of this schema must leave, whatever its triggers setting. */
  private void assertReset(ResetResult result) {
    assertThat(result.plan().partitions())
        .containsExactly(
            "public.payment (partitioned: public.payment_p2022_01, public.payment_p2022_02,"
                + " public.payment_p2022_03)");
    assertThat(result.plan().nulledForeignKeys())
        .containsExactly(
            "public.store(manager_staff_id) set to NULL first"
                + " (public.store_manager_staff_id_fkey)");
    assertThat(result.plan().preserved())
        .extracting(ResetPlan.PreservedTable::name)
        .containsExactlyInAnyOrder("public.flyway_schema_history", "public.trigger_log");
    assertThat(result.plan().sequences())
        .containsExactlyInAnyOrder(
            "public.actor_actor_id_seq",
            "public.address_address_id_seq",
            "public.category_category_id_seq",
            "public.customer_customer_id_seq",
            "public.film_film_id_seq",
            "public.inventory_inventory_id_seq",
            "public.language_language_id_seq",
            "public.payment_payment_id_seq",
            "public.rental_rental_id_seq",
            "public.staff_staff_id_seq",
            "public.store_store_id_seq");
    for (String table : TABLES) {
      long expected = List.of("language", "film", "actor").contains(table) ? 1 : 0;
      assertThat(pg.rowCount(table)).as(table).isEqualTo(expected);
    }
    assertThat(pg.queryStrings("SELECT film_id || ' ' || title FROM film"))
        .containsExactly("1 ACADEMY DINOSAUR");
    assertThat(pg.queryStrings("SELECT actor_id || ' ' || first_name FROM actor"))
        .containsExactly("1 Penelope");
    assertThat(pg.queryLong("SELECT nextval('customer_customer_id_seq')")).isEqualTo(1);
    assertThat(pg.queryLong("SELECT nextval('payment_payment_id_seq')")).isEqualTo(1);
    assertThat(pg.queryLong("SELECT nextval('store_store_id_seq')")).isEqualTo(1);
    assertThat(pg.queryLong("SELECT nextval('invoice_number_seq')"))
        .as("feeds no emptied table")
        .isEqualTo(8);
    assertThat(pg.rowCount("flyway_schema_history")).isEqualTo(1);
  }

  @Test
  void keepResetsEverythingAndTheTriggersFireAsForTheApplicationsDeletes() {
    ResetResult result = new ResetEngine(pg.dataSource()).reset(request().build());

    assertReset(result);
    assertThat(log())
        .containsExactly(
            "actor UPDATE 1", // the seed's UPDATE
            "payment_p2022_01 DELETE 30",
            "payment_p2022_02 DELETE 28",
            "payment_p2022_03 DELETE 22",
            "store UPDATE 2"); // manager_staff_id set to NULL to get through the cycle
    assertThat(result.plan().tables())
        .filteredOn(ResetPlan.PlannedTable::checksSkipped)
        .extracting(ResetPlan.PlannedTable::name)
        .as("last_updated fires on UPDATE only, so it leaves the foreign-key shortcut in place")
        .contains("public.film", "public.customer", "public.staff", "public.language")
        .doesNotContain("public.payment");
  }

  @Test
  void disableByTheOwnerResetsEverythingWithoutFiringATriggerAndRestoresThem() {
    String owner = roles.create("owner", "");
    pg.execute(
        "DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables"
            + " WHERE schemaname = 'public' LOOP"
            + " EXECUTE format('ALTER TABLE %I OWNER TO %I', t.tablename, '"
            + owner
            + "'); END LOOP; END $$;"
            + " ALTER SEQUENCE actor_actor_id_seq OWNER TO "
            + owner
            + "; ALTER SEQUENCE film_film_id_seq OWNER TO "
            + owner
            + "; ALTER SEQUENCE customer_customer_id_seq OWNER TO "
            + owner
            + "; ALTER SEQUENCE payment_payment_id_seq OWNER TO "
            + owner);
    List<String> states = triggerStates();

    ResetResult result =
        new ResetEngine(as(owner)).reset(request().triggers(TriggerMode.DISABLE).build());

    assertReset(result);
    assertThat(log())
        .as("only the seed's UPDATE, after the emptying")
        .containsExactly("actor UPDATE 1");
    assertThat(triggerStates()).isEqualTo(states);
  }

  private DataSource as(String role) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(pg.jdbcUrl());
    dataSource.setUser(role);
    dataSource.setPassword(TestRoles.PASSWORD);
    return dataSource;
  }
}
