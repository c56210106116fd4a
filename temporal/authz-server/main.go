// rackshift-temporal-server is the stock Temporal server (go.temporal.io/server, the version
// pinned in go.mod) with one addition: an authorizer that lets only the named ledger writers
// change a site ledger (`ledger/<site>`). A caller's identity is the subject CN of its mTLS
// client certificate. The ledger cannot check this itself (docs/security.md): a check inside
// its Update handlers made its history unreplayable under load.
package main

import (
	"fmt"
	stdlog "log"
	"os"
	"strings"
	_ "time/tzdata"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/temporal"
)

func main() {
	configFile, writers, err := parseArgs(os.Args[1:], os.Getenv(writersEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "rackshift-temporal-server: %v\n%s", err, usage)
		os.Exit(2)
	}
	cfg, err := config.Load(config.WithConfigFile(configFile))
	if err != nil {
		stdlog.Fatalf("rackshift-temporal-server: unable to load %s: %v", configFile, err)
	}
	logger := log.NewZapLogger(log.BuildZapLogger(cfg.Log))
	logger.Info("rackshift ledger authorizer on; ledger writers: " + strings.Join(writers, ","))
	s, err := temporal.NewServer(
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithConfig(cfg),
		temporal.WithLogger(logger),
		temporal.InterruptOn(temporal.InterruptCh()),
		temporal.WithAuthorizer(newLedgerAuthorizer(writers)),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper {
			return certClaimMapper{}
		}),
	)
	if err != nil {
		stdlog.Fatalf("rackshift-temporal-server: unable to create server: %v", err)
	}
	if err := s.Start(); err != nil {
		stdlog.Fatalf("rackshift-temporal-server: unable to start server: %v", err)
	}
}

const writersEnv = "RACKSHIFT_LEDGER_WRITERS"

const usage = `usage: rackshift-temporal-server --config-file <server.yaml> [--ledger-writers cn1,cn2]
  --ledger-writers (or RACKSHIFT_LEDGER_WRITERS): the client certificate subject CNs that may
  change ledger/* workflows (the workers' certificates); required, never the API's.
`

// parseArgs reads the two flags; the writers list is required so a server cannot start with
// the ledger open to everyone by omission.
func parseArgs(args []string, envWriters string) (string, []string, error) {
	configFile := ""
	writersText := envWriters
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		if !hasValue {
			if i+1 >= len(args) {
				return "", nil, fmt.Errorf("%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "--config-file":
			configFile = value
		case "--ledger-writers":
			writersText = value
		default:
			return "", nil, fmt.Errorf("unknown argument %q", args[i])
		}
	}
	if configFile == "" {
		return "", nil, fmt.Errorf("--config-file is required")
	}
	writers := []string{}
	for _, w := range strings.Split(writersText, ",") {
		if w = strings.TrimSpace(w); w != "" {
			writers = append(writers, w)
		}
	}
	if len(writers) == 0 {
		return "", nil, fmt.Errorf("--ledger-writers or %s must name at least one CN", writersEnv)
	}
	return configFile, writers, nil
}
