// Package forums will hold the shared forums: spaces scoped to the network, a tier,
// a partnership, a promotion or a deal; threads, posts, moderation, subscriptions
// and search (DESIGN §1, §4). It stands on the partners core for who may see a
// space, like every other record family, and never imports the web layer.
//
// Nothing is implemented yet: this package marks its place in the layout.
package forums
