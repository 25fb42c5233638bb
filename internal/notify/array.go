package notify

import "github.com/lib/pq"

func pqInt64Array(ids []int64) any { return pq.Array(ids) }
