"""Spark (pyspark, local mode) reads an nhikit dataset directory as one table per entity.

Issue 7: the Hive-partitioned Parquet directories (prefecture=PP[/municipality=CCCCCC]) are
read by Spark without help, with the manifest's row counts, and persons join their households
with no orphans. Too heavy for CI (pyspark is ~300 MB and needs a JVM); run by hand:

    python3 -m venv /tmp/spark && /tmp/spark/bin/pip install pyspark==4.3.0   # needs Java 17+
    nhikit gen --households 20000 --seed 1 --shard 1/2 --out /tmp/s1
    nhikit gen --households 20000 --seed 1 --shard 2/2 --out /tmp/s2
    nhikit manifest merge /tmp/s1 /tmp/s2 --out /tmp/ds
    /tmp/spark/bin/python benches/spark-read.py /tmp/ds

Prints one line per check and exits 1 if any fails. The recorded output is in
docs/scale-out.md.
"""

import json
import os
import sys

from pyspark.sql import SparkSession


def main(root: str) -> int:
    manifest = json.load(open(os.path.join(root, "manifest.json"), encoding="utf-8"))
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("nhikit-spark-read")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    failed = 0

    def check(what: str, ok: bool, detail: str) -> None:
        nonlocal failed
        failed += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")

    tables = {}
    for entity, info in sorted(manifest["entities"].items()):
        path = os.path.join(root, "parquet", entity)
        if not os.path.isdir(path):
            continue
        df = spark.read.option("basePath", path).parquet(path)
        tables[entity] = df
        rows = df.count()
        check(f"{entity} rows", rows == info["rows"], f"{rows} (manifest {info['rows']})")
        partition_columns = [c for c in ("prefecture", "municipality") if c in df.columns]
        if entity != "insurer":
            check(f"{entity} partition columns", "prefecture" in partition_columns,
                  ", ".join(partition_columns))
    person, household = tables["person"], tables["household"]
    orphans = person.join(household, ["lgcode", "household_number"], "left_anti").count()
    check("persons without their household", orphans == 0, str(orphans))
    if "qualification" in tables:
        q = tables["qualification"]
        orphans = q.join(person, ["lgcode", "address_number"], "left_anti").count()
        check("qualifications without their person", orphans == 0, str(orphans))
    wrong = person.where("prefecture <> cast(substring(lgcode, 1, 2) as int)").count()
    check("persons in their prefecture's partition", wrong == 0, str(wrong))
    by_pref = household.groupBy("prefecture").count().orderBy("count", ascending=False).first()
    print(f"info largest prefecture: {by_pref['prefecture']} with {by_pref['count']} households")
    print(f"info spark {spark.version}")
    spark.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: spark-read.py DATASET_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
