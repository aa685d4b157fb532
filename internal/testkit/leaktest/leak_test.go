package leaktest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/biembed/biembed-go/youshu"
)

// TestNoExportedTypeLeaksSecrets plants sentinel secrets in a value of every
// exported type of every package of the module (registry, kept complete by
// TestRegistryListsEveryExportedType) and fails for each fmt verb, slog
// handler or Error() that prints one, and for each plain string field whose
// name says it holds a secret.
func TestNoExportedTypeLeaksSecrets(t *testing.T) {
	t.Parallel()
	for _, f := range Check(append(registry, samples()...)) {
		t.Error(f.String())
	}
}

// TestRegistryListsEveryExportedType parses every non-test file of the
// module and fails, naming the line to add, for an exported type that
// registry lacks.
func TestRegistryListsEveryExportedType(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	for _, r := range registry {
		listed[r.Name] = true
	}
	pkgs := exportedTypes(t, moduleRoot(t))
	if len(pkgs) < 8 {
		t.Fatalf("found exported types in only %d packages; the AST walk is broken", len(pkgs))
	}
	for _, p := range pkgs {
		for _, name := range p.types {
			if !listed[p.name+"."+name] {
				t.Errorf("registry_test.go lacks %s: add\n\t{Name: %q, Type: reflect.TypeFor[%s.%s]()},", p.importPath+"."+name, p.name+"."+name, p.name, name)
			}
		}
	}
}

// samples are values built through constructors, for secrets that planting
// into a zero value does not reach (a Credential's kind decides which of its
// fields reach the wire).
func samples() []Type {
	var out []Type
	for _, cred := range []youshu.Credential{youshu.Password("user@example.com", sentinel()), youshu.TokenKey(sentinel()), youshu.SSO("uid", sentinel())} {
		out = append(out, Type{Name: "youshu.Credential(" + string(cred.Type) + ")", Type: reflect.TypeOf(cred), value: reflect.ValueOf(cred)},
			Type{Name: "youshu.GenTokenRequest(" + string(cred.Type) + ")", Type: reflect.TypeFor[youshu.GenTokenRequest](),
				value: reflect.ValueOf(youshu.GenTokenRequest{Credential: cred})})
	}
	return out
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
