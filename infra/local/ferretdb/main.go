// Command ferretdb runs FerretDB 1.24 (MongoDB wire protocol) on SQLite, or on PostgreSQL with --postgresql-url, for
// MarketQR's local infrastructure.
//
// Why a main of our own: `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
// start, because it reads a generated build/version/version.txt that the module zip does not contain (FerretDB issue 2982).
// The embeddable package github.com/FerretDB/FerretDB/ferretdb has no such dependency.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "", "directory for the SQLite databases (created if missing)")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL URL: store in PostgreSQL instead of SQLite")
	flag.Parse()

	if *dataDir == "" {
		log.Fatal("--data-dir is required")
	}
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		log.Fatalf("data dir: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatalf("data dir: %v", err)
	}
	// FerretDB wants an existing directory, written as a file: URL ending in "/".
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}

	cfg := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir,
	}
	if *pgURL != "" {
		cfg = &ferretdb.Config{
			Listener:      ferretdb.ListenerConfig{TCP: *listen},
			Handler:       "postgresql",
			PostgreSQLURL: *pgURL,
		}
	}
	f, err := ferretdb.New(cfg)
	if err != nil {
		log.Fatalf("ferretdb: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	fmt.Printf("marketqr-ferretdb listening on %s, data in %s\n", *listen, dir)
	f.Run(ctx)
	fmt.Println("marketqr-ferretdb stopped")
}
