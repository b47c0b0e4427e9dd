/* culvert-question-private.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-question.h"
#include "culvert-worker.h"

G_BEGIN_DECLS

CulvertQuestion *culvert_question_new (CulvertWorker            *worker,
                                       const CulvertWorkerEvent *event);

G_END_DECLS
