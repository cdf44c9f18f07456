/* aw - the command-line front end over the core: one table of commands, each in cli/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} cli_command;

static const cli_command commands[] = {
    {"version", aw_cmd_version, "print the engine version"},
    {"csv-info", aw_cmd_csv_info, "columns, rows and rejected rows of a CSV file"},
    {"run", aw_cmd_run, "run an analysis spec (JSON) and write its results to a directory"},
    {"diagnose", aw_cmd_diagnose, "which replica of a service is the odd one (DTW among replicas)"},
    {"classify", aw_cmd_classify, "kNN / naive Bayes / random forest / linear SVM on labelled rows"},
    {"synth", aw_cmd_synth, "synthesize a labelled load/telemetry/log data set (Allam et al.)"},
    {"fit", aw_cmd_fit, "fit the synthetic load model to a series (prints a synth config)"},
    {"pot", aw_cmd_pot, "POT / SPOT / DSPOT thresholds on a score column (Siffer et al. 2017)"},
    {"nab", aw_cmd_nab, "NAB score of a detector's results (numenta/NAB v1.1 scoring)"},
    {"aggregate", aw_cmd_aggregate, "records -> 8 statistics per 5-minute interval and key; pivot/unpivot"},
    {"detect", aw_cmd_detect, "DAM-style anomaly detection on metrics + logs, POT threshold, P/R/F1"},
    {"parse", aw_cmd_parse, "Drain log parsing: templates, parameters, event ids (Loghub CSVs)"},
};

static void usage(FILE *out) {
  fprintf(out,
          "aw %s - anomaly-workbench command line\n\n"
          "usage: aw <command> [options]    (aw <command> --help for its options)\n\ncommands:\n",
          AW_VERSION);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--version") == 0) return aw_cmd_version(argc - 1, argv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "aw: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
