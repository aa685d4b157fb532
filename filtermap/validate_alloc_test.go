package filtermap_test

import (
	"testing"
)

// validateSeedBlock runs every Validate of the seed's permission block.
func validateSeedBlock(tb testing.TB, b permissionBlock) {
	for _, err := range []error{b.FilterMap.Validate(), b.ColumnFilterMap.Validate(), b.TableFilterMap.Validate(),
		b.ReportDataFilters.Validate(), b.ResourcePermissions.Validate()} {
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// TestValidateAllocatesNothingWhenValid: the validators sort map keys and
// build field paths only for a bad value, so a genToken call pays nothing
// for validating a good permission block.
func TestValidateAllocatesNothingWhenValid(t *testing.T) {
	b := typedSeedBlock()
	if n := testing.AllocsPerRun(100, func() { validateSeedBlock(t, b) }); n != 0 {
		t.Fatalf("validating the seed's permission block allocated %v times per run; want 0", n)
	}
}

// BenchmarkValidateSeedBlock measures validating the seed's permission block.
func BenchmarkValidateSeedBlock(b *testing.B) {
	block := typedSeedBlock()
	b.ReportAllocs()
	for b.Loop() {
		validateSeedBlock(b, block)
	}
}
