package filtermap_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/filtermap"
)

// TestEmptyListsNeverReachTheWireSilently is the omitzero audit of
// filtermap: its optional slices are omitempty, so an empty one is left out
// like nil. That is safe only because Validate rejects every empty list whose
// absence would mean something else (an empty select would otherwise read as
// "no restriction").
func TestEmptyListsNeverReachTheWireSilently(t *testing.T) {
	t.Parallel()
	region := filtermap.Dim{Field: "region", DataType: filtermap.TypeString}
	table := filtermap.TableName("orders")
	tests := []struct {
		name  string
		f     filtermap.RowFilter
		field string
	}{
		{"list filter with empty select", filtermap.NewListFilter(table, filtermap.Select, region), "select"},
		{"tree filter with empty or", filtermap.NewTreeFilter(table, filtermap.Select), "or"},
		{"tree group with empty inlist", filtermap.NewTreeFilter(table, filtermap.Select, filtermap.TreeGroup{Dims: []filtermap.Dim{region}}), "cond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.f.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
		})
	}

	// resourceNamePaths: an empty path is left out, and then the entry must
	// name its resource by id.
	p := filtermap.ResourcePermission{ResourceType: filtermap.NewReport, ResourceNamePaths: []string{}, Permissions: []filtermap.Permission{filtermap.PermView}}
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "resourceNamePaths")
	assert.Error(t, filtermap.ResourcePermissions{p}.Validate())
}
