package leaktest_test

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

const modulePath = "github.com/biembed/biembed-go"

// TestNoExportedTypeLeaksSecrets plants sentinel secrets in a value of every
// exported type of every package of the module and fails for each fmt verb,
// slog handler or Error() that prints one, and for each plain string field
// whose name says it holds a secret. The types are found by parsing the
// source, so a new exported type is checked without editing this test: the
// test writes a program that lists them all (reflect.TypeOf((*pkg.T)(nil)))
// into a temporary directory of this package and runs it with go run. The
// directory's name starts with "_", so ./... patterns of concurrent go
// commands never see it.
func TestNoExportedTypeLeaksSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program over the whole module")
	}
	root := moduleRoot(t)
	pkgs := exportedTypes(t, root)
	if len(pkgs) < 8 {
		t.Fatalf("found exported types in only %d packages; the AST walk is broken", len(pkgs))
	}
	generated.Do(func() { generated.out, generated.err = runChecks(root, program(pkgs)) })
	out, err := generated.out, generated.err
	if err != nil && !strings.Contains(string(out), "FINDING") {
		t.Fatalf("go run of the generated program: %v\n%s", err, out)
	}
	checked := 0
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "FINDING "):
			t.Error(strings.TrimPrefix(line, "FINDING "))
		case strings.HasPrefix(line, "CHECKED "):
			fmt.Sscan(strings.TrimPrefix(line, "CHECKED "), &checked)
		}
	}
	want := 0
	for _, p := range pkgs {
		want += len(p.types)
	}
	if checked != want {
		t.Errorf("the program checked %d types, want %d\n%s", checked, want, out)
	}
	t.Logf("checked %d exported types in %d packages", checked, len(pkgs))
}

// generated keeps the program's output: it depends only on the source, so
// -count=N runs it once.
var generated struct {
	sync.Once
	out []byte
	err error
}

// runChecks writes src as main.go of a temporary directory of this package
// and runs it.
func runChecks(root, src string) ([]byte, error) {
	dir, err := os.MkdirTemp(filepath.Join(root, "internal", "leaktest"), "_gen")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

type pkgTypes struct {
	importPath string
	name       string
	types      []string
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// exportedTypes parses every non-test Go file of the module (but commands
// and testdata) and returns the exported, non-generic types of each package.
func exportedTypes(t *testing.T, root string) []pkgTypes {
	byDir := map[string]*pkgTypes{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" || !buildable(f) {
			return nil
		}
		dir := filepath.Dir(path)
		p := byDir[dir]
		if p == nil {
			rel, _ := filepath.Rel(root, dir)
			p = &pkgTypes{importPath: strings.TrimSuffix(modulePath+"/"+filepath.ToSlash(rel), "/."), name: f.Name.Name}
			byDir[dir] = p
		}
		p.types = append(p.types, typeNames(f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []pkgTypes
	for _, p := range byDir {
		if len(p.types) > 0 {
			sort.Strings(p.types)
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].importPath < out[j].importPath })
	return out
}

// buildable reports whether f has no build constraint (files with one, such
// as ignore-tagged generators, are skipped).
func buildable(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if strings.HasPrefix(c.Text, "//go:build") {
				return false
			}
		}
	}
	return true
}

func typeNames(f *ast.File) []string {
	var out []string
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, spec := range g.Specs {
			ts := spec.(*ast.TypeSpec)
			if ts.Name.IsExported() && ts.TypeParams == nil {
				out = append(out, ts.Name.Name)
			}
		}
	}
	return out
}

// program is a main package that checks every type in pkgs.
func program(pkgs []pkgTypes) string {
	var b strings.Builder
	b.WriteString("// Code generated by TestNoExportedTypeLeaksSecrets; DO NOT EDIT.\n\npackage main\n\nimport (\n")
	b.WriteString("\t\"fmt\"\n\t\"reflect\"\n\n\t\"" + modulePath + "/internal/leaktest\"\n")
	for i, p := range pkgs {
		fmt.Fprintf(&b, "\tp%d %q\n", i, p.importPath)
	}
	b.WriteString(")\n\nvar types = []leaktest.Type{\n")
	for i, p := range pkgs {
		for _, name := range p.types {
			fmt.Fprintf(&b, "\t{Name: %q, Type: reflect.TypeOf((*p%d.%s)(nil)).Elem()},\n", p.name+"."+name, i, name)
		}
	}
	b.WriteString("}\n\nfunc main() {\n\tfor _, f := range leaktest.Check(types) {\n\t\tfmt.Println(\"FINDING \" + f.String())\n\t}\n")
	b.WriteString("\tfmt.Println(\"CHECKED\", len(types))\n}\n")
	return b.String()
}
