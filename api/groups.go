package api

import (
	"net/http"
	"strconv"

	"github.com/stampede-load/stampede/summary"
)

// groupResources flattens the snapshot's group tree, parents before their
// children, in the order the groups first appeared.
func groupResources(root *summary.Group) []GroupResource {
	var out []GroupResource
	var walk func(g *summary.Group, parent *summary.Group)
	walk = func(g *summary.Group, parent *summary.Group) {
		gr := GroupResource{Resource: Resource[Group]{
			Type: typeGroups, ID: g.ID,
			Attributes: Group{Path: g.Path, Name: g.Name, Checks: make([]Check, 0, len(g.Checks))},
		}}
		for _, c := range g.Checks {
			gr.Attributes.Checks = append(gr.Attributes.Checks, Check{ID: c.ID, Path: c.Path, Name: c.Name, Passes: c.Passes, Fails: c.Fails})
		}
		gr.Relationships.Groups.Data = make([]ResourceID, 0, len(g.Groups))
		for _, child := range g.Groups {
			gr.Relationships.Groups.Data = append(gr.Relationships.Groups.Data, ResourceID{Type: typeGroups, ID: child.ID})
		}
		if parent != nil {
			gr.Relationships.Parent.Data = &ResourceID{Type: typeGroups, ID: parent.ID}
		}
		out = append(out, gr)
		for _, child := range g.Groups {
			walk(child, g)
		}
	}
	walk(root, nil)
	return out
}

func (s *Server) getGroups(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, Document[[]GroupResource]{Data: groupResources(summary.RootGroup(s.snapshot()))})
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, g := range groupResources(summary.RootGroup(s.snapshot())) {
		if g.ID == id {
			writeJSON(w, http.StatusOK, Document[GroupResource]{Data: g})
			return
		}
	}
	writeError(w, http.StatusNotFound, "Group not found", "no group has the id "+quote(id)+" (the hex MD5 of a group's path)")
}

func quote(s string) string { return strconv.Quote(s) }
